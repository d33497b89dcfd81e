package clock_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/sim"
)

// Scenario: main adds 3 to the group and starts three workers that finish
// after 5, 20 and 10ms. Wait returns exactly when the last one calls Done,
// at 20ms, with all three done; Wait on a group already at zero returns at
// once.
func TestWaitGroupWaitReturnsWhenTheLastTaskIsDone(t *testing.T) {
	eachSeed(t, 20, func(w *sim.World) {
		wg := clock.NewWaitGroup(w, "workers")
		done := 0
		wg.Add(3)
		for _, d := range []int{5, 20, 10} {
			w.Go(fmt.Sprintf("worker-%dms", d), func() {
				w.Sleep(ms(d))
				done++
				wg.Done()
			})
		}
		wg.Wait()
		check(done == 3, "Wait returned with %d of 3 workers done", done)
		check(w.Now() == clock.Time(ms(20)), "Wait returned at %s, want 20ms", w.Now())
		wg.Wait() // count is zero: no block, no time passes
		check(w.Now() == clock.Time(ms(20)), "Wait on a zero count took time")
	})
}

// Scenario: three tasks wait on the same group; the single Done that takes
// the count to zero wakes all of them at that instant.
func TestWaitGroupWakesEveryWaiter(t *testing.T) {
	eachSeed(t, 20, func(w *sim.World) {
		wg := clock.NewWaitGroup(w, "gate")
		waiters := clock.NewWaitGroup(w, "waiters")
		var woke []clock.Time
		wg.Add(1)
		for i := range 3 {
			waiters.Go(fmt.Sprintf("waiter-%d", i), func() {
				wg.Wait()
				woke = append(woke, w.Now())
			})
		}
		w.Sleep(ms(7))
		check(len(woke) == 0, "a waiter passed a group with count 1")
		wg.Done()
		waiters.Wait()
		check(fmt.Sprint(woke) == "[0.007000000s 0.007000000s 0.007000000s]", "waiters woke at %v", woke)
	})
}

// Scenario: the Go helper counts the task it starts, so Wait covers work
// started by Go (including work started while waiting), and the group can
// be reused once it is back at zero.
func TestWaitGroupGoCountsItsTasks(t *testing.T) {
	eachSeed(t, 20, func(w *sim.World) {
		wg := clock.NewWaitGroup(w, "g")
		var finished []int
		for round := range 2 { // the second round reuses the group
			for i := range 4 {
				wg.Go(fmt.Sprintf("task-%d-%d", round, i), func() {
					w.Sleep(ms(i + 1))
					if i == 3 { // a task that starts another counted task
						wg.Go("child", func() {
							w.Sleep(ms(10))
							finished = append(finished, 100+round)
						})
					}
					finished = append(finished, round*10+i)
				})
			}
			wg.Wait()
			check(len(finished) == 5*(round+1), "round %d: Wait returned after %d tasks: %v", round, len(finished), finished)
			check(finished[len(finished)-1] == 100+round, "round %d: Wait returned before the child: %v", round, finished)
		}
		check(w.Now() == clock.Time(ms(28)), "two rounds took until %s, want 2 x 14ms", w.Now())
	})
}

const negativePanic = "clock: negative WaitGroup counter (wait g)"

// Scenario: Done without Add, or an Add that takes the count below zero,
// panics as sync.WaitGroup does.
func TestWaitGroupNegativeCounterPanics(t *testing.T) {
	t.Run("real", func(t *testing.T) {
		wg := clock.NewWaitGroup(clock.NewReal(), "g")
		require.PanicsWithValue(t, negativePanic, wg.Done)
		wg2 := clock.NewWaitGroup(clock.NewReal(), "g")
		wg2.Add(2)
		require.PanicsWithValue(t, negativePanic, func() { wg2.Add(-3) })
	})
	t.Run("sim", func(t *testing.T) {
		res := simRun(1, func(w *sim.World) {
			wg := clock.NewWaitGroup(w, "g")
			wg.Add(1)
			wg.Done()
			wg.Done()
		})
		require.NotNil(t, res.Failure, "a negative counter did not fail the run")
		require.Equal(t, sim.KindPanic, res.Failure.Kind)
		require.Equal(t, negativePanic, res.Failure.Message)
	})
}

// Scenario: in real mode, 16 goroutines started with the group's Go each
// bump an atomic counter after a short sleep; Wait returns only after all
// of them.
func TestWaitGroupReal(t *testing.T) {
	within(t, timeout, func() {
		rt := clock.NewReal()
		wg := clock.NewWaitGroup(rt, "g")
		var n atomic.Int32
		for i := range 16 {
			wg.Go(fmt.Sprintf("task-%d", i), func() {
				rt.Sleep(ms(i % 4))
				n.Add(1)
			})
		}
		wg.Wait()
		if got := n.Load(); got != 16 {
			panic(fmt.Sprintf("Wait returned with %d of 16 tasks done", got))
		}
		rt.Wait()
	})
}
