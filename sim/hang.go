package sim

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/cdcsim/cdcsim/clock"
)

// A task that spins without yielding (for { x++ }) never gives control
// back to the scheduler, so no step ends and the wall-clock check in
// endStep never runs: the run would hang until go test's own timeout. A
// Go goroutine cannot be stopped from outside, and the scheduler is
// blocked inside the task's coroutine switch, so the run cannot be ended
// either. The harness therefore watches each run from a goroutine
// outside the simulation (a timer): once the run is past budget.wall by
// a grace period, it reports the seed as a budget failure with the
// running task's stack and then ends the test process, since the task
// would burn a core for as long as the process lives. A sweep under
// cmd/dst runs the seeds after it in a new process.

// AbandonedNote ends the message of a run that the wall-clock watchdog
// abandoned; cmd/dst recognises it to run the seeds after it again
// rather than report them as lost to a crash.
const AbandonedNote = "the run is abandoned and this test process exits"

// hangGrace is how long past budget.wall the watchdog waits: a run that
// still yields ends itself at its next 1,024th step.
func hangGrace(wall time.Duration) time.Duration { return max(wall/4, time.Second) }

// resumed is what the scheduler publishes when it hands control to a
// task, for the watchdog to read if the task never gives it back. The
// plain fields are written before the atomic store of the task, which
// orders them before the watchdog's load.
type resumed struct {
	step uint64
	now  int64
	hash uint64
}

// watchHang arms the watchdog of one run; onHang receives the abandoned
// run's result and must not return (it ends the process). The returned
// stop disarms it once the run has ended.
func (w *World) watchHang(onHang func(*Result)) (stop func()) {
	var mu sync.Mutex
	ended := false
	grace := hangGrace(w.cfg.MaxWall)
	tm := time.AfterFunc(w.cfg.MaxWall+grace, func() {
		mu.Lock() // held for good if the run is abandoned: it must not end meanwhile
		if ended {
			mu.Unlock()
			return
		}
		onHang(w.hungResult(grace))
	})
	return func() {
		tm.Stop()
		mu.Lock()
		ended = true
		mu.Unlock()
	}
}

// hungResult describes the run as the watchdog finds it: the task the
// scheduler last resumed, with the step, virtual time and hash at that
// moment, and the stacks of the goroutines of the simulation that are
// running rather than parked.
func (w *World) hungResult(grace time.Duration) *Result {
	f := &Failure{Kind: KindBudget, Node: "-", Task: "(none)", Abandoned: true}
	res := &Result{Config: w.cfg, Failure: f}
	if t := w.running.Load(); t != nil {
		f.Node, f.Task = t.node.name, t.name
		f.Step, f.Time = t.resumed.step, clock.Time(t.resumed.now)
		res.Steps, res.Time, res.Hash = t.resumed.step, f.Time, t.resumed.hash
	}
	f.Message = fmt.Sprintf("wall-clock budget %s exhausted: task %q on node %s did not yield for %s past it (it spins, or blocks outside the simulator); a task that never yields cannot be preempted, so %s",
		w.cfg.MaxWall, f.Task, f.Node, grace, AbandonedNote)
	f.Stack = runningStacks()
	return res
}

// runningStacks returns the stacks of the goroutines that run code of
// the simulation and are running or runnable: the spinning task (or, for
// a spinning timer callback, the scheduler). Parked tasks wait in a
// coroutine switch and are left out, as is the caller.
func runningStacks() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	blocks := strings.Split(string(buf), "\n\n")
	var out []string
	for _, b := range blocks[1:] { // the first is the watchdog itself
		head, _, _ := strings.Cut(b, "\n")
		active := strings.Contains(head, "[running") || strings.Contains(head, "[runnable")
		if active && strings.Contains(b, "cdcsim/sim.") {
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		return "(no running goroutine of the simulation found; every goroutine:)\n" + string(buf)
	}
	return strings.Join(out, "\n\n")
}

// exitAbandoned is the watchdog's default end outside Test: the report
// on stderr, and exit status 1.
func exitAbandoned(res *Result) {
	fmt.Fprintf(os.Stderr, "sim: seed %d: %s", res.Config.Seed, res.Failure.Report())
	os.Exit(1)
}
