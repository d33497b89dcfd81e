package clock_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/sim"
)

const (
	counterTasks = 4
	counterIters = 25
)

// runCounter starts counterTasks workers that each run body counterIters
// times, waits for them, and returns the final counter.
func runCounter(w *sim.World, body func(counter *int)) int {
	counter := 0
	wg := clock.NewWaitGroup(w, "workers")
	for i := range counterTasks {
		wg.Go(fmt.Sprintf("worker-%d", i), func() {
			for range counterIters {
				body(&counter)
			}
		})
	}
	wg.Wait()
	return counter
}

// Scenario: four workers increment a shared counter with a
// read-yield-write sequence inside the lock. Whatever the interleaving, no
// increment is lost and no two workers are ever inside at once.
func TestMutexReadYieldWriteInsideLockNeverLosesAnUpdate(t *testing.T) {
	eachSeed(t, seeds, func(w *sim.World) {
		mu := clock.NewMutex(w, "counter")
		inside := 0
		got := runCounter(w, func(counter *int) {
			mu.Lock()
			inside++
			check(inside == 1, "%d tasks inside the critical section", inside)
			v := *counter
			w.Yield() // other workers run here, but none can enter
			*counter = v + 1
			inside--
			mu.Unlock()
		})
		check(got == counterTasks*counterIters, "counter = %d, want %d", got, counterTasks*counterIters)
	})
}

// countLostUpdateSeeds runs body under every seed and counts the seeds in
// which the counter ended below the number of increments.
func countLostUpdateSeeds(t *testing.T, body func(w *sim.World, mu *clock.Mutex, counter *int)) int {
	t.Helper()
	lost := 0
	for seed := uint64(1); seed <= seeds; seed++ {
		got := -1
		mustPass(t, seed, func(w *sim.World) {
			mu := clock.NewMutex(w, "counter")
			got = runCounter(w, func(counter *int) { body(w, mu, counter) })
		})
		require.LessOrEqual(t, got, counterTasks*counterIters, "seed %d: more increments than performed", seed)
		if got < counterTasks*counterIters {
			lost++
		}
	}
	return lost
}

// Scenario: the same read-yield-write without the lock. The simulator does
// interleave the workers at the Yield, so some seed loses an increment:
// the previous test passes because of the lock, not because the
// scheduler never switches.
func TestMutexReadYieldWriteWithoutLockLosesUpdates(t *testing.T) {
	lost := countLostUpdateSeeds(t, func(w *sim.World, _ *clock.Mutex, counter *int) {
		v := *counter
		w.Yield()
		*counter = v + 1
	})
	require.Positive(t, lost, "no seed out of %d lost an update without the lock", seeds)
	t.Logf("%d of %d seeds lost an update", lost, seeds)
}

// Scenario: "check outside the lock, act inside it". The worker reads the
// counter, then locks (with no explicit Yield) and writes. Lock is a
// scheduling point even when the lock is free, so another worker can slip
// in between the read and the write and some seed loses an update.
func TestMutexLockIsASchedulingPointEvenWhenFree(t *testing.T) {
	lost := countLostUpdateSeeds(t, func(_ *sim.World, mu *clock.Mutex, counter *int) {
		v := *counter
		mu.Lock()
		*counter = v + 1
		mu.Unlock()
	})
	require.Positive(t, lost, "Lock never let another task run between the read and the write")
	t.Logf("%d of %d seeds lost an update", lost, seeds)
}

// Scenario: the same check-then-act with TryLock, which is not a
// scheduling point. The workers still interleave (they yield between
// iterations), but never between the read and the write: nothing is lost.
func TestMutexTryLockIsNotASchedulingPoint(t *testing.T) {
	lost := countLostUpdateSeeds(t, func(w *sim.World, mu *clock.Mutex, counter *int) {
		w.Yield()
		v := *counter
		check(mu.TryLock(), "TryLock failed although no task holds the lock across a scheduling point")
		*counter = v + 1
		mu.Unlock()
	})
	require.Zero(t, lost, "an update was lost around TryLock: it let another task run")
}

// Scenario: main holds the lock while five waiters arrive at distinct
// virtual times, in an order unrelated to the order they were started in.
// They acquire the lock in arrival order, one after the other, and the
// unlock hands the lock straight to the oldest waiter: a TryLock right
// after Unlock cannot barge in.
func TestMutexHandsOffToWaitersInFIFOOrder(t *testing.T) {
	arrival := []int{3, 1, 4, 5, 2} // ms at which waiter i calls Lock
	eachSeed(t, 50, func(w *sim.World) {
		mu := clock.NewMutex(w, "m")
		wg := clock.NewWaitGroup(w, "waiters")
		var order []int
		var at []clock.Time
		mu.Lock()
		for i, a := range arrival {
			wg.Go(fmt.Sprintf("waiter-%d", i), func() {
				w.Sleep(ms(a))
				mu.Lock()
				order = append(order, a)
				at = append(at, w.Now())
				w.Sleep(ms(1))
				mu.Unlock()
			})
		}
		w.Sleep(ms(10)) // every waiter is queued by now
		check(len(order) == 0, "a waiter got the lock while main held it: %v", order)
		mu.Unlock()
		check(!mu.TryLock(), "TryLock took the lock after Unlock although waiters were queued")
		wg.Wait()
		check(fmt.Sprint(order) == "[1 2 3 4 5]", "acquisition order %v, want arrival order [1 2 3 4 5]", order)
		for i, got := range at {
			want := clock.Time(ms(10 + i))
			check(got == want, "waiter %d acquired at %s, want %s", i, got, want)
		}
		check(mu.TryLock(), "lock not free after every waiter unlocked")
	})
}

// Scenario: TryLock takes a free lock, fails on a held one, whoever holds
// it, and succeeds again after Unlock.
func TestMutexTryLock(t *testing.T) {
	mustPass(t, 1, func(w *sim.World) {
		mu := clock.NewMutex(w, "m")
		check(mu.TryLock(), "TryLock on a free mutex failed")
		check(!mu.TryLock(), "TryLock on a mutex held by the caller succeeded")
		mu.Unlock()

		held, release := clock.NewUnbounded[struct{}](w, "held"), clock.NewUnbounded[struct{}](w, "release")
		w.Go("holder", func() {
			mu.Lock()
			held.Send(struct{}{})
			release.Recv()
			mu.Unlock()
		})
		held.Recv()
		check(!mu.TryLock(), "TryLock succeeded while another task holds the lock")
		release.Send(struct{}{})
		w.Sleep(ms(1)) // let the holder unlock
		check(mu.TryLock(), "TryLock failed after the holder unlocked")
		mu.Unlock()
	})
}

const unlockedPanic = "clock: unlock of unlocked mutex (lock m)"

// Scenario: unlocking a mutex that is not locked (never locked, or
// unlocked twice) panics with a message naming it, in a simulated task as
// in real mode; the mutex stays usable afterwards.
func TestMutexUnlockOfUnlockedPanics(t *testing.T) {
	t.Run("sim/recovered", func(t *testing.T) {
		mustPass(t, 1, func(w *sim.World) {
			mu := clock.NewMutex(w, "m")
			p := panicValue(mu.Unlock)
			check(p == unlockedPanic, "never-locked Unlock panicked with %v", p)
			mu.Lock()
			mu.Unlock()
			p = panicValue(mu.Unlock)
			check(p == unlockedPanic, "second Unlock panicked with %v", p)
			mu.Lock() // still usable
			mu.Unlock()
		})
	})
	t.Run("sim/fails-run", func(t *testing.T) {
		res := simRun(1, func(w *sim.World) {
			w.Go("bad", func() { clock.NewMutex(w, "m").Unlock() })
			w.Sleep(ms(1))
		})
		require.NotNil(t, res.Failure, "an unrecovered misuse panic did not fail the run")
		require.Equal(t, sim.KindPanic, res.Failure.Kind)
		require.Equal(t, unlockedPanic, res.Failure.Message)
		require.Equal(t, "bad", res.Failure.Task)
	})
	t.Run("real", func(t *testing.T) {
		rt := clock.NewReal()
		mu := clock.NewMutex(rt, "m")
		require.PanicsWithValue(t, unlockedPanic, mu.Unlock)
		within(t, timeout, func() { // the runtime lock was released before the panic
			mu.Lock()
			mu.Unlock()
		})
		require.PanicsWithValue(t, unlockedPanic, mu.Unlock)
	})
}
