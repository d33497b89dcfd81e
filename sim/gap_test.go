package sim

import (
	"testing"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/stretchr/testify/require"
)

// checkThenAct is a check-then-act race in miniature: task "retry" reads
// removed under mu, lets mu go, and acts under mu again; task "remove"
// needs a few steps of its own (yields) before it takes mu to set
// removed. The race is hit when remove's critical section falls in
// retry's gap. It reports whether the race was hit.
func checkThenAct(cfg Config) (hit bool, res *Result) {
	res = Run(cfg, func(w *World) {
		mu := clock.NewMutex(w, "mu")
		removed, done := false, 0
		w.Go("retry", func() {
			defer func() { done++ }()
			mu.Lock()
			sawRemoved := removed
			mu.Unlock()
			if sawRemoved {
				return
			}
			mu.Lock() // the gap ends here
			hit = removed
			mu.Unlock()
		})
		w.Go("remove", func() {
			defer func() { done++ }()
			for range 12 {
				w.Yield()
			}
			mu.Lock()
			removed = true
			mu.Unlock()
		})
		for done < 2 {
			w.Yield()
		}
	})
	return hit, res
}

// Holding a task in its check-then-act gap lets the other task of the
// instant into the gap: over the same 60 seeds the uniform random pick
// rarely interleaves remove's twelve steps into retry's one-step gap,
// the hold nearly always does.
func TestGapHoldWidensCheckThenAct(t *testing.T) {
	count := func(p float64) int {
		hits := 0
		for seed := uint64(1); seed <= 60; seed++ {
			cfg := DefaultConfig(seed)
			cfg.GapP, cfg.GapPicks = p, 4096
			hit, res := checkThenAct(cfg)
			require.Nil(t, res.Failure)
			if hit {
				hits++
			}
		}
		return hits
	}
	without, with := count(0), count(1)
	t.Logf("race hit in %d of 60 seeds without holds, %d with", without, with)
	require.Less(t, without, 10)
	require.Greater(t, with, 50)
}

// A hold never outlasts the instant: a task alone in its gap goes on at
// once, and the run's virtual time and failure are as without holds.
func TestGapHoldNeverStallsALoneTask(t *testing.T) {
	cfg := cfg1()
	cfg.GapP, cfg.GapPicks = 1, 1<<20
	var at clock.Time
	res := Run(cfg, func(w *World) {
		mu := clock.NewMutex(w, "mu")
		mu.Lock()
		mu.Unlock()
		mu.Lock() // in the gap, with nothing else runnable
		mu.Unlock()
		at = w.Now()
	})
	require.Nil(t, res.Failure)
	require.Equal(t, clock.Time(0), at)
	require.Less(t, res.Steps, uint64(10))
}

// A task held in its gap dies with its node like any runnable task: it
// never runs again, and the run ends cleanly.
func TestGapHeldTaskDiesWithItsNode(t *testing.T) {
	cfg := cfg1()
	cfg.GapP, cfg.GapPicks = 1, 1<<20
	inGap, acted := false, false
	res := Run(cfg, func(w *World) {
		n := w.NewNode("n1", func() {
			mu := clock.NewMutex(w, "mu")
			mu.Lock()
			mu.Unlock()
			inGap = true
			mu.Lock() // held: the root task below runs first
			acted = true
			mu.Unlock()
		})
		for !inGap {
			w.Yield()
		}
		w.Crash(n)
		for range 5 {
			w.Yield()
		}
	})
	require.Nil(t, res.Failure)
	require.False(t, acted, "a held task of a crashed node ran")
}

// The hold is a draw like any other: the same seed holds the same tasks,
// so the hash is the same, and GapPicks matters only when holds are on.
func TestGapHoldIsDeterministic(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		cfg := DefaultConfig(seed)
		cfg.GapP, cfg.GapPicks = 0.5, 8
		_, a := checkThenAct(cfg)
		_, b := checkThenAct(cfg)
		require.Equal(t, a.Hash, b.Hash)
		off := DefaultConfig(seed)
		_, c := checkThenAct(off)
		off.GapPicks = 99
		_, d := checkThenAct(off)
		require.Equal(t, c.Hash, d.Hash, "gap.picks changed a run with gap.p=0")
	}
}
