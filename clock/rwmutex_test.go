package clock_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/sim"
)

// Scenario: five readers take the read lock and hold it for 10ms each.
// They hold it together: all five are inside at once and the whole thing
// takes 10ms of virtual time, not 50.
func TestRWMutexReadersShareTheLock(t *testing.T) {
	eachSeed(t, 20, func(w *sim.World) {
		rw := clock.NewRWMutex(w, "rw")
		wg := clock.NewWaitGroup(w, "readers")
		active, peak := 0, 0
		for i := range 5 {
			wg.Go(fmt.Sprintf("reader-%d", i), func() {
				rw.RLock()
				active++
				peak = max(peak, active)
				w.Sleep(ms(10))
				active--
				rw.RUnlock()
			})
		}
		wg.Wait()
		check(peak == 5, "at most %d readers held the lock at once, want 5", peak)
		check(w.Now() == clock.Time(ms(10)), "five 10ms readers took until %s, want 10ms", w.Now())
	})
}

// Scenario: three writers and three readers hammer the lock, yielding
// inside their critical sections. Whatever the interleaving, a writer is
// always alone, and readers never see a half-done write (the two halves of
// a write are always equal when a reader looks). Readers still overlap
// each other in some runs: exclusion is not bought by serialising all.
func TestRWMutexWriterExcludesEveryone(t *testing.T) {
	overlapped := 0
	for seed := uint64(1); seed <= seeds; seed++ {
		mustPass(t, seed, func(w *sim.World) {
			rw := clock.NewRWMutex(w, "rw")
			wg := clock.NewWaitGroup(w, "all")
			readers, writers := 0, 0
			a, b := 0, 0 // a write sets both; readers must see them equal
			readsWhileOthersRead := 0
			for i := range 3 {
				wg.Go(fmt.Sprintf("writer-%d", i), func() {
					for range 10 {
						rw.Lock()
						writers++
						check(writers == 1 && readers == 0, "writer inside with %d writers, %d readers", writers, readers)
						a++
						w.Yield()
						b++
						writers--
						rw.Unlock()
					}
				})
				wg.Go(fmt.Sprintf("reader-%d", i), func() {
					for range 10 {
						rw.RLock()
						readers++
						check(writers == 0, "reader inside with a writer")
						if readers > 1 {
							readsWhileOthersRead++
						}
						x := a
						w.Yield()
						check(a == x && a == b, "reader saw a write in progress: a=%d (was %d) b=%d", a, x, b)
						readers--
						rw.RUnlock()
					}
				})
			}
			wg.Wait()
			check(a == 30 && b == 30, "writes lost: a=%d b=%d, want 30", a, b)
			check(readers == 0 && writers == 0, "lock not empty at the end")
			rw.Lock() // and it is free
			rw.Unlock()
			if readsWhileOthersRead > 0 {
				overlapped++
			}
		})
	}
	require.Positive(t, overlapped, "readers never held the lock together in %d seeds", seeds)
	t.Logf("readers overlapped in %d of %d seeds", overlapped, seeds)
}

// Scenario: reader R1 holds the lock; writer W queues at 1ms; reader R2
// arrives at 2ms while only readers hold the lock. R2 must queue behind W
// (otherwise a stream of readers could starve W): W gets the lock when R1
// leaves at 10ms, R2 only when W leaves at 15ms.
func TestRWMutexQueuedWriterBlocksLaterReaders(t *testing.T) {
	eachSeed(t, 20, func(w *sim.World) {
		rw := clock.NewRWMutex(w, "rw")
		wg := clock.NewWaitGroup(w, "all")
		var events []string
		log := func(s string) { events = append(events, fmt.Sprintf("%s@%s", s, w.Now())) }
		wg.Go("R1", func() {
			rw.RLock()
			log("R1+")
			w.Sleep(ms(10))
			log("R1-")
			rw.RUnlock()
		})
		wg.Go("W", func() {
			w.Sleep(ms(1))
			rw.Lock()
			log("W+")
			w.Sleep(ms(5))
			log("W-")
			rw.Unlock()
		})
		wg.Go("R2", func() {
			w.Sleep(ms(2))
			rw.RLock()
			log("R2+")
			rw.RUnlock()
		})
		wg.Wait()
		want := "[R1+@0.000000000s R1-@0.010000000s W+@0.010000000s W-@0.015000000s R2+@0.015000000s]"
		check(fmt.Sprint(events) == want, "events %v\nwant   %s", events, want)
	})
}

// Scenario: a writer holds the lock while R1, R2, W2 and R3 queue in that
// order. When the writer unlocks, the run of readers at the head (R1, R2)
// enters together; W2 waits for both; R3 waits for W2.
func TestRWMutexUnlockAdmitsTheRunOfReadersAtTheHead(t *testing.T) {
	eachSeed(t, 20, func(w *sim.World) {
		rw := clock.NewRWMutex(w, "rw")
		wg := clock.NewWaitGroup(w, "all")
		got := map[string]clock.Time{}
		waiter := func(name string, arrive int, writer bool) {
			wg.Go(name, func() {
				w.Sleep(ms(arrive))
				if writer {
					rw.Lock()
					got[name] = w.Now()
					w.Sleep(ms(5))
					rw.Unlock()
					return
				}
				rw.RLock()
				got[name] = w.Now()
				w.Sleep(ms(3))
				rw.RUnlock()
			})
		}
		rw.Lock()
		waiter("R1", 1, false)
		waiter("R2", 2, false)
		waiter("W2", 3, true)
		waiter("R3", 4, false)
		w.Sleep(ms(10))
		check(len(got) == 0, "someone entered while the writer held the lock: %v", got)
		rw.Unlock()
		wg.Wait()
		want := map[string]clock.Time{"R1": clock.Time(ms(10)), "R2": clock.Time(ms(10)), "W2": clock.Time(ms(13)), "R3": clock.Time(ms(18))}
		check(fmt.Sprint(got) == fmt.Sprint(want), "entry times %v, want %v", got, want)
	})
}

const (
	rUnlockPanic = "clock: RUnlock of unlocked RWMutex (rlock rw)"
	wUnlockPanic = "clock: Unlock of unlocked RWMutex (lock rw)"
)

// Scenario: RUnlock without a read hold and Unlock without the write hold
// panic, including the crossed cases (RUnlock of a write-locked lock,
// Unlock of a read-locked one), and leave the lock usable.
func TestRWMutexMisusePanics(t *testing.T) {
	t.Run("real", func(t *testing.T) {
		// assert, not require: the body runs on within's goroutine.
		within(t, timeout, func() {
			rw := clock.NewRWMutex(clock.NewReal(), "rw")
			assert.PanicsWithValue(t, rUnlockPanic, rw.RUnlock, "RUnlock of a free lock")
			assert.PanicsWithValue(t, wUnlockPanic, rw.Unlock, "Unlock of a free lock")
			rw.Lock()
			assert.PanicsWithValue(t, rUnlockPanic, rw.RUnlock, "RUnlock of a write-locked lock")
			rw.Unlock()
			rw.RLock()
			assert.PanicsWithValue(t, wUnlockPanic, rw.Unlock, "Unlock of a read-locked lock")
			rw.RUnlock()
			assert.PanicsWithValue(t, rUnlockPanic, rw.RUnlock, "RUnlock after the last reader left")
			rw.Lock() // still usable: the panics left the runtime lock free
			rw.Unlock()
		})
	})
	t.Run("sim", func(t *testing.T) {
		// The same sequence inside a task, where a broken expectation is a
		// panic that fails the run.
		mustPass(t, 1, func(w *sim.World) {
			rw := clock.NewRWMutex(w, "rw")
			expect := func(want string, f func()) {
				p := panicValue(f)
				check(p == want, "panicked with %v, want %q", p, want)
			}
			expect(rUnlockPanic, rw.RUnlock)
			expect(wUnlockPanic, rw.Unlock)
			rw.Lock()
			expect(rUnlockPanic, rw.RUnlock)
			rw.Unlock()
			rw.RLock()
			expect(wUnlockPanic, rw.Unlock)
			rw.RUnlock()
			rw.Lock()
			rw.Unlock()
		})
	})
}
