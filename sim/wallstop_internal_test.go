package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A run stopped by the wall-clock budget ends where the machine's speed
// put it, so a re-run that hashes differently is not nondeterminism: the
// first run's failure is reported, marked. (dst mutate's sample reported a
// mutant as nondeterministic this way on a loaded machine.)
func TestWallStopIsNotNondeterminism(t *testing.T) {
	cfg := DeriveConfig(1)
	cfg.MaxWall = 10 * time.Millisecond // checked every 1024 steps
	runs := 0
	body := func(w *World) {
		runs++
		if runs == 1 { // slow: spends 20 µs of real time at every step until the wall budget stops it
			for {
				for start := time.Now(); time.Since(start) < 20*time.Microsecond; { //dst:allow wall-clock: one run is made slow on purpose
				}
				w.Sleep(time.Millisecond)
			}
		}
		w.Sleep(10 * time.Millisecond)
		panic("the fast run gets further and fails otherwise")
	}
	res, f := runChecked(cfg, body, Decide{}, false, nil)
	require.NotNil(t, res.Failure)
	require.NotNil(t, f)
	require.Equal(t, KindBudget, f.Kind, "%s", f.Message)
	require.Contains(t, f.Message, "wall-clock budget")
	require.Contains(t, f.Message, "no determinism check")
	require.Equal(t, 2, runs, "no divergence hunt: two runs only")
}

func TestWallStoppedCases(t *testing.T) {
	wall := &Failure{Kind: KindBudget, WallStop: true, Message: "wall-clock budget 1s exhausted"}
	live := &Failure{Kind: KindLiveness, Message: "stalled"}
	f, ok := wallStopped(&Result{Failure: live}, &Result{Failure: wall})
	require.True(t, ok)
	require.Equal(t, KindLiveness, f.Kind)
	require.Contains(t, f.Message, "not confirmed")
	f, ok = wallStopped(&Result{}, &Result{Failure: wall})
	require.True(t, ok)
	require.Nil(t, f, "a passing seed whose recheck ran out of time passed")
	_, ok = wallStopped(&Result{Failure: live}, &Result{Failure: &Failure{Kind: KindPanic, Message: "x"}})
	require.False(t, ok, "two runs that really differ are still a divergence")
	_, ok = wallStopped(&Result{Failure: &Failure{Kind: KindBudget, Message: "step budget 10 exhausted"}}, &Result{})
	require.False(t, ok, "the step budget is deterministic")
}
