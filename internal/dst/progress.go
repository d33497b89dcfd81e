package dst

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Progress shows how a sweep goes: seeds done, seeds per second,
// failures so far and time left. On a terminal it is a progress bar
// (github.com/schollz/progressbar: it redraws one line in place and
// predicts the time left); otherwise, in CI logs and files, a plain line
// every period, which a log keeps readable.
type Progress struct {
	mu       sync.Mutex
	out      io.Writer
	bar      *progressbar.ProgressBar
	total    int // seeds in the plan; 0: time-bounded
	budget   time.Duration
	began    time.Time
	done     int // seeds recorded by this run
	already  int // seeds recorded before it (resumed)
	failures int
	period   time.Duration
	last     time.Time
}

// NewProgress starts showing progress on out. total is the plan's seeds
// still to run (0: time-bounded), already the seeds recorded before this
// run (a --resume), budget the time budget (0: none).
func NewProgress(out io.Writer, total, already, failures int, budget, period time.Duration) *Progress {
	f, ok := out.(*os.File)
	return newProgress(out, total, already, failures, budget, period, ok && term.IsTerminal(int(f.Fd())))
}

// newProgress is NewProgress with the choice of a bar made by the
// caller. A bar counts the whole plan: on a resume it starts at the
// seeds already recorded, so that its percentage and the "done/total"
// beside it are the same fraction. Its own prediction of the time left
// is off, because it would take the resumed seeds as done in this run's
// first second; the line's estimate counts this run's seeds only.
func newProgress(out io.Writer, total, already, failures int, budget, period time.Duration, bar bool) *Progress {
	p := &Progress{out: out, total: total, already: already, failures: failures, budget: budget, began: time.Now(), period: period, last: time.Now()}
	if bar {
		max := int64(already + total)
		if total == 0 {
			max = int64(budget / time.Second)
		}
		p.bar = progressbar.NewOptions64(max,
			progressbar.OptionSetWriter(out),
			progressbar.OptionSetWidth(30),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		if total > 0 {
			p.bar.Set(already)
		}
	}
	return p
}

// Seed counts one recorded seed.
func (p *Progress) Seed(failed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	if failed {
		p.failures++
	}
	p.update()
}

// Tick refreshes the display; the sweep calls it every second so that a
// slow seed does not freeze the time left.
func (p *Progress) Tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.update()
}

func (p *Progress) update() {
	if p.bar != nil {
		p.bar.Describe(p.line(true))
		if p.total > 0 {
			p.bar.Set(p.already + p.done)
		} else {
			p.bar.Set(int(time.Since(p.began) / time.Second))
		}
		return
	}
	if time.Since(p.last) >= p.period {
		p.last = time.Now()
		fmt.Fprintf(p.out, "dst: %s\n", p.line(true))
	}
}

// line renders the numbers: done/total, seeds/s, failures, time left.
func (p *Progress) line(withLeft bool) string {
	elapsed := time.Since(p.began)
	rate := float64(p.done) / max(elapsed.Seconds(), 1e-3)
	s := fmt.Sprintf("%d seeds", p.already+p.done)
	if p.total > 0 {
		s = fmt.Sprintf("%d/%d seeds", p.already+p.done, p.already+p.total)
	}
	s += fmt.Sprintf(", %.1f seeds/s, %d failures", rate, p.failures)
	if !withLeft {
		return s
	}
	switch {
	case p.budget > 0 && (p.total == 0 || rate == 0 || time.Duration(float64(p.total-p.done)/rate*float64(time.Second)) > p.budget-elapsed):
		s += fmt.Sprintf(", %v left", max(p.budget-elapsed, 0).Round(time.Second))
	case p.total > 0 && rate > 0:
		s += fmt.Sprintf(", about %v left", time.Duration(float64(p.total-p.done)/rate*float64(time.Second)).Round(time.Second))
	}
	return s
}

// Finish ends the display.
func (p *Progress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Finish()
		fmt.Fprintln(p.out)
	}
}
