package sim

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A workload whose main task, at seed 2, spins without ever yielding to
// the scheduler: no step ends, so the in-loop wall-clock check never
// runs.
func TestHarnessHelperSpinning(t *testing.T) {
	helperOnly(t)
	Test(t, func(w *World) {
		busyProgram(w)
		if w.Seed() == 2 {
			spinForever()
		}
	}, Seeds(4))
}

// spinForever never returns and never yields.
func spinForever() {
	x := 0
	for {
		x++
		if x == -1 {
			return
		}
	}
}

// budget.wall stops a run whose task spins without yielding: a watchdog
// outside the simulation sees the run past its wall budget, reports the
// seed as a budget failure with the spinning task's stack (and its JSON
// line), and ends the test process, which cannot preempt the task; it
// does not wait for go test's own timeout. With and without -test.v the
// report reaches the output.
func TestWallBudgetStopsASpinningTask(t *testing.T) {
	for _, verbose := range []bool{true, false} {
		js := filepath.Join(t.TempDir(), "r.jsonl")
		args := []string{"-test.run=^TestHarnessHelperSpinning$", "-test.timeout=60s", "-sim.set=budget.wall=1s", "-sim.keep-going", "-sim.json=" + js}
		if verbose {
			args = append(args, "-test.v")
		}
		began := time.Now()
		out, code := runSelf(t, args...)
		require.Less(t, time.Since(began), 30*time.Second, "the watchdog did not end the run: %s", out)
		require.Equal(t, 1, code, out)
		require.Contains(t, out, "seed 2 failed (not re-run: ")
		require.Contains(t, out, "budget: wall-clock budget 1s exhausted: task \"main\" on node main did not yield")
		require.Contains(t, out, AbandonedNote)
		require.Contains(t, out, "sim.spinForever", "the report carries the spinning task's stack")
		require.Contains(t, out, "-sim.seed=2", "the report carries the replay line")
		lines := readJSON(t, js)
		require.Len(t, lines, 2, "seed 1 passed, seed 2 failed, and the process ended there")
		require.Equal(t, "pass", lines[0].Outcome)
		require.Equal(t, "budget", lines[1].Kind)
		require.EqualValues(t, 2, lines[1].Seed)
		require.True(t, strings.Contains(lines[1].Message, AbandonedNote), lines[1].Message)
	}
}
