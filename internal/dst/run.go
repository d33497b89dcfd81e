package dst

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// Sweep is one dst run: a plan, the job that runs its chunks, where the
// records go, and what it has seen so far.
type Sweep struct {
	Header   *Header
	Plan     Plan
	Job      Job
	Parallel int
	// Budget bounds the sweep's wall time; 0: none.
	Budget time.Duration
	// Results is the results file (nil: none); ResultsPath its name.
	Results     *Writer
	ResultsPath string
	Progress    *Progress
	// Guided, when set, interleaves guided children with the plan's
	// chunks (guided.go): every other chunk, once a corpus exists.
	Guided *Guided
	// StopOnFailure ends the sweep at its first failing seed (the
	// running chunks are killed): how bench/ttf measures time to find.
	StopOnFailure bool

	mu sync.Mutex
	// cancel ends Run's context; stopped is set when StopOnFailure did.
	cancel  context.CancelFunc
	stopped bool
	turn    int
	done    Done
	stats   *Stats
	// retry holds chunk remainders after a crash, run before new blocks.
	retry  []Chunk
	cursor *Cursor
	// recorded counts the seeds this run recorded; writeErr is the first
	// error writing the results file, which stops the sweep.
	recorded int
	writeErr error
}

// NewSweep prepares a sweep over the records already in the results
// file (none for a fresh one).
func NewSweep(h *Header, plan Plan, job Job, previous []Record) (*Sweep, error) {
	s := &Sweep{Header: h, Plan: plan, Job: job, done: Done{}, stats: NewStats(h.Workloads)}
	for i, r := range previous {
		if !s.done.Add(r.Test, r.Seed) {
			return nil, usagef("corrupt results file: record %d repeats seed %d of %s", i+2, r.Seed, r.Test)
		}
		s.stats.Add(&r)
	}
	s.cursor = NewCursor(&s.Plan, s.done)
	return s, nil
}

// Remaining returns how many seeds of a bounded plan are still to run.
func (s *Sweep) Remaining() int {
	if s.Plan.Seeds == 0 {
		return 0
	}
	return s.Plan.Total() - (s.stats.Seeds() - s.stats.Guided)
}

// Run runs the plan's chunks over Parallel worker processes until the
// plan is done, the budget is spent or ctx ends, and returns the stats
// over every record of the results file (earlier runs' included).
func (s *Sweep) Run(ctx context.Context) (*Stats, error) {
	if s.Budget > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.Budget)
		defer cancel()
	}
	ctx, s.cancel = context.WithCancel(ctx)
	defer s.cancel()
	stopTick := s.tick()
	defer stopTick()
	var wg sync.WaitGroup
	for range max(s.Parallel, 1) {
		wg.Go(func() { s.worker(ctx) })
	}
	wg.Wait()
	return s.stats, s.writeErr
}

func (s *Sweep) worker(ctx context.Context) {
	for ctx.Err() == nil {
		c, ok := s.next()
		if !ok {
			return
		}
		res := s.Job.RunChunk(ctx, c, s.record)
		s.mu.Lock()
		if res.Rest != nil {
			s.retry = append(s.retry, *res.Rest)
		}
		if res.Warning != "" {
			s.stats.Warnings = append(s.stats.Warnings, res.Warning)
		}
		s.mu.Unlock()
	}
}

// next returns the next chunk to run.
func (s *Sweep) next() (Chunk, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writeErr != nil {
		return Chunk{}, false
	}
	if n := len(s.retry); n > 0 {
		c := s.retry[0]
		s.retry = s.retry[1:]
		return c, true
	}
	if s.Guided != nil {
		s.turn++
		if s.turn%2 == 0 {
			if c, ok := s.Guided.Next(); ok {
				return c, true
			}
		}
	}
	return s.cursor.Next()
}

// Stopped reports whether StopOnFailure ended the sweep.
func (s *Sweep) Stopped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopped
}

// record is where every seed's result goes, once: into the results file
// (one line, one write), the stats and the progress. A seed already
// recorded is dropped: the plan never hands out a seed twice, and this
// keeps it so even if it did.
func (s *Sweep) record(r *Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.done.Add(r.Test, r.Seed) || s.writeErr != nil {
		return
	}
	if s.Results != nil {
		if err := s.Results.Write(r); err != nil {
			s.writeErr = fmt.Errorf("writing %s: %v", s.ResultsPath, err)
			return
		}
	}
	s.recorded++
	s.stats.Add(r)
	if s.Guided != nil {
		s.Guided.Observe(r)
	}
	if s.StopOnFailure && r.Failed() && !s.stopped {
		s.stopped = true
		s.cancel()
	}
	if s.Progress != nil {
		s.Progress.Seed(r.Failed())
	}
}

// tick refreshes the progress every second until stopped.
func (s *Sweep) tick() func() {
	if s.Progress == nil {
		return func() {}
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				s.Progress.Tick()
			}
		}
	}()
	return func() { close(stop); <-done }
}

// Recorded returns how many seeds this run recorded.
func (s *Sweep) Recorded() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recorded
}

// printThroughput writes the sweep's overall rate.
func printThroughput(out io.Writer, seeds, parallel int, elapsed time.Duration) {
	fmt.Fprintf(out, "%d seeds in %v over %d processes: %.2f seeds/s\n", seeds, elapsed.Round(100*time.Millisecond), parallel, float64(seeds)/max(elapsed.Seconds(), 1e-3))
}
