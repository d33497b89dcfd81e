package dst

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cdcsim/cdcsim/sim"
)

// Job is what every worker process of a sweep shares: the binary and the
// flags that shape each seed's run.
type Job struct {
	Bin     *Binary
	Pins    []string
	Recheck bool
	// Config asks each result line for the run's whole configuration
	// (-sim.json-config), which a guided sweep mutates.
	Config bool
	// SeedTimeout is the watchdog: a process that reports no result for
	// this long is killed and its seed in progress recorded as a timeout.
	// It is above the simulator's own wall budget (budget.wall, 2 minutes
	// by default, twice with a re-run), which reports a hang as a budget
	// failure with a trace, and a task that spins without yielding as one
	// with its stack (sim's watchdog, which then ends the process; the
	// seeds after it run again in a new one); this one catches what those
	// cannot (a deadlock in the harness, a process that stops reading).
	SeedTimeout time.Duration
	// Extra are more flags for the test binary (dst mutate's coverage
	// sweep adds -test.coverprofile).
	Extra []string
}

// args returns the test binary's command line for a chunk.
func (j *Job) args(c Chunk) []string {
	a := []string{
		"-test.run", runPattern(c.Workload),
		"-test.v", // streams each failure report right after its result line
		"-test.count=1",
		fmt.Sprintf("-test.timeout=%s", time.Duration(c.Count+1)*j.SeedTimeout),
		fmt.Sprintf("-sim.start=%d", c.Start),
		fmt.Sprintf("-sim.seeds=%d", c.Count),
		"-sim.keep-going",
		"-sim.json=-",
	}
	if j.Recheck {
		a = append(a, "-sim.recheck")
	}
	if j.Config {
		a = append(a, "-sim.json-config")
	}
	for _, p := range append(slices.Clone(j.Pins), c.Pins...) {
		a = append(a, "-sim.set="+p)
	}
	return append(a, j.Extra...)
}

// ChunkResult is what running a chunk produced besides its records.
type ChunkResult struct {
	Chunk Chunk
	// Rest is the chunk's seeds after one that crashed or hung, which
	// did not run: the sweep runs them again in a new process.
	Rest *Chunk
	// Warning is set when the test failed although every seed passed: a
	// check of the workload's own over its seeds (TestMemoryPressure's
	// "the sweep dropped events"), which a chunk of a few seeds may not
	// satisfy; it is shown, but it is not a seed's failure.
	Warning string
}

// RunChunk runs the seeds of c in one process of the test binary and
// calls emit with each seed's record as soon as its line (and, for a
// failure, its report) has arrived: emit is what writes the results
// file, so a seed is recorded once it is finished and not before.
//
// When the process dies (or the watchdog kills it) before every seed
// reported, the seed in progress is recorded as a crash (or timeout)
// with the tail of the output, and the seeds after it are returned in
// Rest to run again. When ctx ends (the time budget, an interrupt) the
// process is killed and nothing more is recorded: its unfinished seeds
// are simply not run.
func (j *Job) RunChunk(ctx context.Context, c Chunk, emit func(*Record)) ChunkResult {
	cmd := exec.Command(j.Bin.Path, j.args(c)...)
	cmd.Dir = j.Bin.Dir
	setProcAttr(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return j.lost(c, 0, KindCrash, err.Error(), emit)
	}
	var stderr tailBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return j.lost(c, 0, KindCrash, "starting the test binary: "+err.Error(), emit)
	}
	w := newWatchdog(ctx, cmd, j.SeedTimeout)
	p := parser{chunk: c, emit: emit, progress: w.progress}
	p.read(stdout)
	waitErr := cmd.Wait()
	why := w.stop()
	p.flush()
	res := ChunkResult{Chunk: c}
	switch {
	case why == stopCanceled || ctx.Err() != nil:
		return res // the sweep was stopped: the unfinished seeds did not run
	case p.done < c.Count && p.abandoned:
		// The seed before was abandoned by sim's wall-clock watchdog,
		// which ends the process (its task could not be stopped): it is
		// recorded, and the seeds after it run in a new process.
		res.Rest = &Chunk{Workload: c.Workload, Start: c.Start + uint64(p.done), Count: c.Count - p.done, Pins: c.Pins, Parent: c.Parent}
		return res
	case p.done < c.Count:
		kind, msg := KindCrash, fmt.Sprintf("the test binary exited (%v) before seed %d reported", waitErr, c.Start+uint64(p.done))
		if why == stopTimedOut {
			kind, msg = KindTimeout, fmt.Sprintf("no result for %v: the watchdog killed the test binary", j.SeedTimeout)
		}
		return j.lost(c, p.done, kind, msg+"\noutput (tail):\n"+p.out.String()+stderr.String(), emit)
	case waitErr != nil && p.failed == 0:
		res.Warning = fmt.Sprintf("%s: every seed passed but the test failed (%v):\n%s", c, waitErr, tail(p.out.String(), 10))
	}
	return res
}

// lost records the seed at index i of c as failed with kind and returns
// the rest of the chunk to run again.
func (j *Job) lost(c Chunk, i int, kind, msg string, emit func(*Record)) ChunkResult {
	rec := &Record{}
	rec.Version, rec.Test, rec.Seed, rec.Outcome, rec.Kind = sim.JSONVersion, c.Workload, c.Start+uint64(i), "fail", kind
	rec.Message, rec.Report = firstLine(msg), msg
	rec.Pins, rec.Parent = c.Pins, c.Parent
	emit(rec)
	res := ChunkResult{Chunk: c}
	if i+1 < c.Count {
		res.Rest = &Chunk{Workload: c.Workload, Start: c.Start + uint64(i+1), Count: c.Count - i - 1, Pins: c.Pins, Parent: c.Parent}
	}
	return res
}

// parser reads the test binary's stdout: result lines ({"v":...}), and
// after a failing one the log entry with its report.
type parser struct {
	chunk    Chunk
	emit     func(*Record)
	progress func()
	// pending is a failing seed's record waiting for its report.
	pending *Record
	inEntry bool
	done    int
	failed  int
	// abandoned is set when the last seed's run was abandoned by the
	// wall-clock watchdog (sim.AbandonedNote): the process then exits.
	abandoned bool
	// out keeps the last lines that are not results, for crash reports.
	out tailBuffer
}

func (p *parser) read(r io.Reader) {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			p.line(strings.TrimSuffix(line, "\n"))
		}
		if err != nil {
			return
		}
	}
}

func (p *parser) line(line string) {
	if strings.HasPrefix(line, `{"v":`) {
		var rec Record
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Test == p.chunk.Workload {
			rec.Pins, rec.Parent = p.chunk.Pins, p.chunk.Parent
			p.flush()
			p.progress()
			p.done++
			p.abandoned = rec.Kind == string(sim.KindBudget) && strings.Contains(rec.Message, sim.AbandonedNote)
			if rec.Failed() {
				p.failed++
				p.pending, p.inEntry = &rec, false
				return
			}
			p.emit(&rec)
			return
		}
	}
	p.out.WriteString(line + "\n")
	if p.pending == nil {
		return
	}
	// A log entry starts with four spaces and file.go:N:, and goes on
	// with lines indented by eight; the report is the first entry after
	// the failing seed's line.
	switch {
	case !p.inEntry && isLogEntry(line):
		p.inEntry = true
		_, msg, _ := strings.Cut(line, ": ")
		p.pending.Report = msg + "\n"
	case p.inEntry && strings.HasPrefix(line, "        "):
		p.pending.Report += line[8:] + "\n"
	case p.inEntry:
		p.flush()
	}
}

// flush emits the failing seed's record held for its report.
func (p *parser) flush() {
	if p.pending != nil {
		p.emit(p.pending)
		p.pending = nil
	}
}

func isLogEntry(line string) bool {
	rest, ok := strings.CutPrefix(line, "    ")
	if !ok || strings.HasPrefix(rest, " ") {
		return false
	}
	loc, _, ok := strings.Cut(rest, ": ")
	return ok && strings.Contains(loc, ".go:")
}

// watchdog kills a chunk's process when ctx ends or when no result has
// come for the timeout.
type watchdog struct {
	mu      sync.Mutex
	last    time.Time
	why     stopReason
	stopped chan struct{}
	done    chan struct{}
}

type stopReason int

const (
	stopNone stopReason = iota
	stopCanceled
	stopTimedOut
)

func newWatchdog(ctx context.Context, cmd *exec.Cmd, timeout time.Duration) *watchdog {
	w := &watchdog{last: time.Now(), stopped: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(min(timeout/4, time.Second))
		defer tick.Stop()
		for {
			select {
			case <-w.stopped:
				return
			case <-ctx.Done():
				w.kill(cmd, stopCanceled)
				return
			case <-tick.C:
				w.mu.Lock()
				late := time.Since(w.last) > timeout
				w.mu.Unlock()
				if late {
					w.kill(cmd, stopTimedOut)
					return
				}
			}
		}
	}()
	return w
}

func (w *watchdog) progress() {
	w.mu.Lock()
	w.last = time.Now()
	w.mu.Unlock()
}

func (w *watchdog) kill(cmd *exec.Cmd, why stopReason) {
	w.mu.Lock()
	w.why = why
	w.mu.Unlock()
	cmd.Process.Kill()
}

// stop ends the watchdog and says whether it killed the process.
func (w *watchdog) stop() stopReason {
	close(w.stopped)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.why
}

// tailBuffer keeps the last 16 KiB written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

const tailBytes = 16 << 10

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if t.buf.Len() > 2*tailBytes {
		keep := append([]byte(nil), t.buf.Bytes()[t.buf.Len()-tailBytes:]...)
		t.buf.Reset()
		t.buf.Write(keep)
	}
	return len(p), nil
}

func (t *tailBuffer) WriteString(s string) { t.Write([]byte(s)) }

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.buf.String()
	if len(s) > tailBytes {
		s = s[len(s)-tailBytes:]
	}
	return s
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
