package clock_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/sim"
)

// Scenario: in real mode 8 goroutines each increment a plain int 10000
// times under a Guard. The count is exact, and under -race the detector
// sees every access ordered by the guard's mutex.
func TestRealGuardCounter(t *testing.T) {
	const goroutines, iters = 8, 10000
	counter := 0
	within(t, timeout, func() {
		rt := clock.NewReal()
		g := clock.NewGuard(rt)
		for i := range goroutines {
			rt.Go(fmt.Sprintf("inc-%d", i), func() {
				for range iters {
					g.Lock()
					counter++
					g.Unlock()
				}
			})
		}
		rt.Wait()
	})
	require.Equal(t, goroutines*iters, counter)
}

// lockKind is what guardedProgram puts around its critical sections.
type lockKind int

const (
	noLock lockKind = iota
	withGuard
	withMutex
)

// guardedProgram runs two tasks that each append to a shared log in a
// loop, around an optional lock, with a Yield between iterations so that
// they interleave. It returns the log.
func guardedProgram(w *sim.World, kind lockKind) string {
	var log strings.Builder
	g := clock.NewGuard(w)
	mu := clock.NewMutex(w, "mu")
	lock, unlock := func() {}, func() {}
	switch kind {
	case withGuard:
		lock, unlock = g.Lock, g.Unlock
	case withMutex:
		lock, unlock = mu.Lock, mu.Unlock
	}
	wg := clock.NewWaitGroup(w, "tasks")
	for _, name := range []string{"a", "b"} {
		wg.Go(name, func() {
			for i := range 20 {
				lock()
				fmt.Fprintf(&log, "%s%d ", name, i)
				unlock()
				w.Yield()
			}
		})
	}
	wg.Wait()
	return log.String()
}

// Scenario: under the simulator a Guard is not a scheduling point: the
// program with guards around its critical sections runs exactly as the
// one without, seed for seed (same interleaving, same trace hash). The
// same program with a Mutex does not, which shows the comparison can see
// an added scheduling point.
func TestGuardIsNotASchedulingPoint(t *testing.T) {
	mutexDiffers := 0
	for seed := uint64(1); seed <= seeds; seed++ {
		var plain, guarded, locked string
		rPlain := mustPass(t, seed, func(w *sim.World) { plain = guardedProgram(w, noLock) })
		rGuard := mustPass(t, seed, func(w *sim.World) { guarded = guardedProgram(w, withGuard) })
		rMutex := mustPass(t, seed, func(w *sim.World) { locked = guardedProgram(w, withMutex) })
		require.Equal(t, plain, guarded, "seed %d: the guard changed the interleaving", seed)
		require.Equal(t, rPlain.Hash, rGuard.Hash, "seed %d: the guard changed the trace hash", seed)
		require.Equal(t, rPlain.Steps, rGuard.Steps, "seed %d: the guard changed the step count", seed)
		if rMutex.Hash != rPlain.Hash || locked != plain {
			mutexDiffers++
		}
	}
	require.Positive(t, mutexDiffers, "a Mutex, which is a scheduling point, never changed the run either")
}

// Scenario: under the simulator a task that yields while holding a Guard
// is caught: the next task to lock it fails the run, naming the rule.
func TestGuardHeldAcrossSchedulingPointFailsTheRun(t *testing.T) {
	res := simRun(1, func(w *sim.World) {
		g := clock.NewGuard(w)
		wg := clock.NewWaitGroup(w, "tasks")
		wg.Go("holder", func() {
			g.Lock()
			w.Sleep(ms(1)) // a scheduling point with the guard held
			g.Unlock()
		})
		wg.Go("other", func() {
			g.Lock()
			g.Unlock()
		})
		wg.Wait()
	})
	require.NotNil(t, res.Failure, "a guard held across Sleep went unnoticed")
	require.Contains(t, res.Failure.Report(), "Guard locked while held")
}

// Scenario: under the simulator unlocking a Guard that is not held
// panics, as sync.Mutex does.
func TestGuardUnlockOfUnlockedPanics(t *testing.T) {
	mustPass(t, 1, func(w *sim.World) {
		g := clock.NewGuard(w)
		g.Lock()
		g.Unlock()
		p := panicValue(g.Unlock)
		check(p != nil && strings.Contains(fmt.Sprint(p), "unlock of an unlocked Guard"), "second Unlock: %v", p)
	})
}
