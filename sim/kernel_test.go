package sim

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func cfg1() Config { return DefaultConfig(1) }

// The clock jumps: an hour of virtual sleep costs no wall time, and Now
// advances by exactly the sleep.
func TestClockJumpsToNextEvent(t *testing.T) {
	var before, after clock.Time
	began := time.Now()
	res := Run(cfg1(), func(w *World) {
		before = w.Now()
		w.Sleep(time.Hour)
		after = w.Now()
	})
	require.Nil(t, res.Failure)
	require.Equal(t, time.Hour, after.Sub(before))
	require.Less(t, time.Since(began), 5*time.Second)
}

// Events at one instant fire in the order they were scheduled.
func TestTimersAtOneInstantFireInScheduleOrder(t *testing.T) {
	var order []int
	res := Run(cfg1(), func(w *World) {
		for i := range 5 {
			w.Schedule(time.Second, func() { order = append(order, i) })
		}
		w.Schedule(time.Millisecond, func() { order = append(order, -1) })
		w.Sleep(2 * time.Second)
	})
	require.Nil(t, res.Failure)
	require.Equal(t, []int{-1, 0, 1, 2, 3, 4}, order)
}

// A stopped timer does not fire; Reset re-arms it from now.
func TestTimerStopAndReset(t *testing.T) {
	var fired []clock.Time
	res := Run(cfg1(), func(w *World) {
		tm := w.Schedule(time.Second, func() { fired = append(fired, w.Now()) })
		require.True(t, tm.Stop())
		require.False(t, tm.Stop())
		w.Sleep(2 * time.Second)
		require.False(t, tm.Reset(time.Second))
		w.Sleep(5 * time.Second)
	})
	require.Nil(t, res.Failure)
	require.Equal(t, []clock.Time{clock.Time(3 * time.Second)}, fired)
}

// Every task blocked with no timer pending is a deadlock, reported as a
// liveness failure listing who waits for what, never a hang.
func TestDeadlockIsReported(t *testing.T) {
	res := Run(cfg1(), func(w *World) {
		a := clock.NewMailbox[int](w, "a", 1)
		b := clock.NewMailbox[int](w, "b", 1)
		w.Go("left", func() { a.Recv(); b.Send(1) })
		b.Recv()
	})
	require.NotNil(t, res.Failure)
	require.Equal(t, KindLiveness, res.Failure.Kind)
	require.Contains(t, res.Failure.Message, "deadlock")
	require.Contains(t, res.Failure.Detail, "task left on node main: recv a")
	require.Contains(t, res.Failure.Detail, "task main on node main: recv b")
}

// A task spinning on Yield forever runs out of the step budget.
func TestYieldSpinHitsStepBudget(t *testing.T) {
	c := cfg1()
	c.MaxSteps = 10_000
	res := Run(c, func(w *World) {
		w.Go("spinner", func() {
			for {
				w.Yield()
			}
		})
		w.Sleep(time.Second)
	})
	require.NotNil(t, res.Failure)
	require.Equal(t, KindBudget, res.Failure.Kind)
	require.Contains(t, res.Failure.Message, "step budget")
	require.Contains(t, res.Failure.Message, "livelock", "the spin never let time advance")
	require.EqualValues(t, 10_000, res.Steps)
}

// A run whose time keeps advancing runs out of steps as a long run, not
// as a livelock.
func TestLongRunHitsStepBudgetWithoutLivelock(t *testing.T) {
	c := cfg1()
	c.MaxSteps = 10_000
	res := Run(c, func(w *World) {
		for {
			w.Sleep(time.Millisecond)
		}
	})
	require.NotNil(t, res.Failure)
	require.Equal(t, KindBudget, res.Failure.Kind)
	require.NotContains(t, res.Failure.Message, "livelock")
}

// A run that outlives its virtual-time budget is stopped.
func TestVirtualTimeBudget(t *testing.T) {
	c := cfg1()
	c.MaxTime = time.Minute
	res := Run(c, func(w *World) {
		for {
			w.Sleep(time.Second)
		}
	})
	require.NotNil(t, res.Failure)
	require.Equal(t, KindBudget, res.Failure.Kind)
	require.Contains(t, res.Failure.Message, "virtual-time budget")
	require.LessOrEqual(t, res.Time, clock.Time(time.Minute))
}

// The wall-clock watchdog stops a run that makes progress too slowly.
func TestWallClockBudget(t *testing.T) {
	c := cfg1()
	c.MaxWall = 50 * time.Millisecond
	res := Run(c, func(w *World) {
		for {
			w.Yield()
			time.Sleep(10 * time.Microsecond) // dst:allow wall-clock: the test burns real time on purpose
		}
	})
	require.NotNil(t, res.Failure)
	require.Equal(t, KindBudget, res.Failure.Kind)
	require.Contains(t, res.Failure.Message, "wall-clock budget")
}

// A panic in a task fails the run with its stack, step, time, node and
// task; the same in a timer callback.
func TestPanicInTaskIsCaptured(t *testing.T) {
	res := Run(cfg1(), func(w *World) {
		n := w.NewNode("n1", func() {
			w.Go("victim", func() {
				w.Sleep(time.Second)
				panic("current event service should not be empty")
			})
		})
		_ = n
		w.Sleep(time.Minute)
	})
	f := res.Failure
	require.NotNil(t, f)
	require.Equal(t, KindPanic, f.Kind)
	require.Equal(t, "current event service should not be empty", f.Message)
	require.Equal(t, "n1", f.Node)
	require.Equal(t, "victim", f.Task)
	require.Equal(t, clock.Time(time.Second), f.Time)
	require.Contains(t, f.Stack, "TestPanicInTaskIsCaptured")
	require.Contains(t, f.Report(), "node n1")

	res = Run(cfg1(), func(w *World) {
		w.Schedule(time.Second, func() { panic("in callback") })
		w.Sleep(time.Minute)
	})
	require.NotNil(t, res.Failure)
	require.Equal(t, KindPanic, res.Failure.Kind)
	require.Equal(t, "(timer callback)", res.Failure.Task)
}

// An invariant runs after every step and fails the run at the first step
// where it does not hold; an expensive one runs every N steps and at the
// end.
func TestInvariantFailsAtFirstViolatingStep(t *testing.T) {
	res := Run(cfg1(), func(w *World) {
		x := 0
		w.Invariant("x stays below 3", 1, func() error {
			if x >= 3 {
				return fmt.Errorf("x = %d", x)
			}
			return nil
		})
		for range 10 {
			x++
			w.Yield()
		}
	})
	require.NotNil(t, res.Failure)
	require.Equal(t, KindSafety, res.Failure.Kind)
	require.Equal(t, `invariant "x stays below 3" violated: x = 3`, res.Failure.Message)

	calls := 0
	res = Run(cfg1(), func(w *World) {
		w.Invariant("counted", 10, func() error { calls++; return nil })
		for range 100 {
			w.Yield()
		}
	})
	require.Nil(t, res.Failure)
	require.InDelta(t, int(res.Steps)/10+1, calls, 2)
}

// A progress check runs like an invariant, in the safety phase too, and
// its failure is a liveness failure at the first step where it fails.
func TestProgressFailsAsLiveness(t *testing.T) {
	res := Run(cfg1(), func(w *World) {
		last := w.Now()
		w.Progress("ticks move", 1, func() error {
			if w.Now().Sub(last) > 3*time.Second {
				return fmt.Errorf("no tick since %s", last)
			}
			return nil
		})
		for i := range 10 {
			if i < 3 {
				last = w.Now()
			}
			w.Sleep(time.Second)
		}
	})
	require.NotNil(t, res.Failure)
	require.Equal(t, KindLiveness, res.Failure.Kind)
	require.Equal(t, `progress "ticks move" stalled: no tick since 2.000000000s`, res.Failure.Message)
	require.Equal(t, clock.Time(6*time.Second), res.Failure.Time)
}

// A liveness goal must hold within its budget once the liveness phase
// begins; the failure names the goal and what is still missing, at the
// deadline.
func TestEventually(t *testing.T) {
	res := Run(cfg1(), func(w *World) {
		done := false
		w.Go("slow", func() { w.Sleep(3 * time.Second); done = true })
		w.Eventually("slow finishes", 5*time.Second, func() error {
			if !done {
				return errors.New("slow still sleeping")
			}
			return nil
		})
		w.BeginLiveness()
		w.Sleep(10 * time.Second)
	})
	require.Nil(t, res.Failure)

	res = Run(cfg1(), func(w *World) {
		w.Sleep(time.Second)
		w.BeginLiveness()
		w.Eventually("dispatcher 7 ready", 5*time.Second, func() error {
			return errors.New("dispatcher 7 still waiting for Ready from node 2")
		})
		w.Sleep(time.Minute)
	})
	require.NotNil(t, res.Failure)
	require.Equal(t, KindLiveness, res.Failure.Kind)
	require.Contains(t, res.Failure.Message, "dispatcher 7 still waiting for Ready from node 2")
	require.Equal(t, clock.Time(6*time.Second), res.Failure.Time)
}

// Crash ends every task of the node, running deferred calls; its timers
// never fire; Restart runs boot again in a new incarnation. Tasks of other
// nodes are untouched.
func TestCrashAndRestart(t *testing.T) {
	var boots, unwound, timerFired, otherTicks int
	res := Run(cfg1(), func(w *World) {
		n := w.NewNode("n1", func() {
			boots++
			w.Go("server", func() {
				defer func() { unwound++ }()
				inbox := clock.NewUnbounded[int](w, "inbox")
				inbox.Recv()
			})
			w.Schedule(time.Second, func() { timerFired++ })
		})
		w.NewNode("n2", func() {
			for {
				w.Sleep(100 * time.Millisecond)
				otherTicks++
			}
		})
		w.Sleep(500 * time.Millisecond)
		w.Crash(n)
		require.False(t, n.Up())
		w.Sleep(2 * time.Second)
		w.Restart(n)
		w.Sleep(2 * time.Second)
		require.EqualValues(t, 1, n.Incarnation())
	})
	require.Nil(t, res.Failure)
	require.Equal(t, 2, boots)
	require.Equal(t, 2, unwound, "crash and end of run both unwind the server")
	require.Equal(t, 1, timerFired, "only the second incarnation's timer fires")
	require.GreaterOrEqual(t, otherTicks, 40)
}

// A task that crashes its own node ends with it.
func TestCrashOwnNode(t *testing.T) {
	after := false
	res := Run(cfg1(), func(w *World) {
		var n *Node
		n = w.NewNode("n1", func() {
			w.Sleep(time.Second)
			w.Crash(n)
			after = true
		})
		w.Sleep(time.Minute)
		require.False(t, n.Up())
	})
	require.Nil(t, res.Failure)
	require.False(t, after)
}

// A deferred call that blocks while its task is being unwound is a bug in
// the model, reported as a panic, not a hang.
func TestBlockingInDeferDuringCrashIsReported(t *testing.T) {
	res := Run(cfg1(), func(w *World) {
		n := w.NewNode("n1", func() {
			defer w.Sleep(time.Second)
			w.Sleep(time.Hour)
		})
		w.Sleep(time.Second)
		w.Crash(n)
		w.Sleep(time.Second)
	})
	require.NotNil(t, res.Failure)
	require.Equal(t, KindPanic, res.Failure.Kind)
	require.Contains(t, res.Failure.Message, "blocked while being unwound")
}

// No goroutine outlives a run, whether it passed, crashed nodes,
// panicked, deadlocked or ran out of budget.
func TestNoGoroutineOutlivesARun(t *testing.T) {
	bodies := map[string]func(w *World){
		"pass":     func(w *World) { busyProgram(w) },
		"panic":    func(w *World) { w.Go("p", func() { w.Sleep(time.Second); panic("boom") }); busyProgram(w) },
		"deadlock": func(w *World) { clock.NewMailbox[int](w, "never", 1).Recv() },
		"budget": func(w *World) {
			w.Go("spin", func() {
				for {
					w.Yield()
				}
			})
			busyProgram(w)
		},
	}
	for _, name := range []string{"pass", "panic", "deadlock", "budget"} {
		c := cfg1()
		c.MaxSteps = 5000
		res := Run(c, bodies[name])
		t.Logf("%s: %v", name, res.Failure)
		goleak.VerifyNone(t)
	}
}

// Adding a random stream does not shift another: stream "x" gives the
// same numbers whether or not "y" was drawn from first.
func TestRandStreamsAreIndependent(t *testing.T) {
	draw := func(withY bool) []uint64 {
		var got []uint64
		Run(cfg1(), func(w *World) {
			if withY {
				w.Rand("y").Uint64()
			}
			for range 5 {
				got = append(got, w.Rand("x").Uint64())
			}
		})
		return got
	}
	require.Equal(t, draw(false), draw(true))
	var a, b uint64
	Run(cfg1(), func(w *World) { a = w.Rand("x").Uint64(); b = w.Rand("y").Uint64() })
	require.NotEqual(t, a, b)
}

// Random draws are decisions: a run that draws once more hashes
// differently.
func TestRandDrawsAreHashed(t *testing.T) {
	a := Run(cfg1(), func(w *World) { w.Rand("x").Uint64() })
	b := Run(cfg1(), func(w *World) { w.Rand("x").Uint64(); w.Rand("x").Uint64() })
	require.NotEqual(t, a.Hash, b.Hash)
}

// Buggify: a site is on for a whole run with probability p, decided from
// the seed and the site's name alone; an enabled site fires with
// probability q; p = 0 switches every site off.
func TestBuggify(t *testing.T) {
	const seeds = 2000
	on, fires, reached := 0, 0, 0
	for s := uint64(1); s <= seeds; s++ {
		c := DefaultConfig(s)
		c.BuggifyP, c.BuggifyQ = 0.25, 0.5
		var w *World
		Run(c, func(ww *World) {
			w = ww
			for range 20 {
				if w.Buggify("site/a") {
					fires++
				}
			}
		})
		st := w.BuggifySites()
		require.Len(t, st, 1)
		if st[0].On {
			on++
			reached += 20
		}
	}
	require.InDelta(t, 0.25, float64(on)/seeds, 0.04)
	require.InDelta(t, 0.5, float64(fires)/float64(reached), 0.03)

	// The decision does not depend on which site is reached first.
	sitesOn := func(order []string) map[string]bool {
		c := DefaultConfig(7)
		c.BuggifyP = 0.5
		var w *World
		Run(c, func(ww *World) {
			w = ww
			for _, s := range order {
				w.Buggify(s)
			}
		})
		m := map[string]bool{}
		for _, st := range w.BuggifySites() {
			m[st.Name] = st.On
		}
		return m
	}
	require.Equal(t, sitesOn([]string{"a", "b", "c", "d"}), sitesOn([]string{"d", "c", "b", "a"}))

	c := DefaultConfig(1)
	c.BuggifyP = 0
	Run(c, func(w *World) {
		for range 1000 {
			require.False(t, w.Buggify("site/a"))
		}
	})
}

// Under PCT the highest-priority runnable task runs until it blocks or
// a change point demotes it: with depth 1 (no change points) a spinning
// pair of tasks runs one task's whole loop first.
func TestPCTRunsHighestPriorityFirst(t *testing.T) {
	c := cfg1()
	c.Strategy, c.PCTDepth = StrategyPCT, 1
	var order []string
	res := Run(c, func(w *World) {
		wg := clock.NewWaitGroup(w, "wg")
		for _, name := range []string{"a", "b"} {
			wg.Go(name, func() {
				for range 3 {
					order = append(order, name)
					w.Yield()
				}
			})
		}
		wg.Wait()
	})
	require.Nil(t, res.Failure)
	s := strings.Join(order, "")
	require.True(t, s == "aaabbb" || s == "bbbaaa", "order %q", s)
}

// spinPair runs tasks "a" then "b", each appending its name three times
// with a yield in between, then "m" once both are done, and returns the
// order they ran in.
func spinPair(t *testing.T, c Config) string {
	var order []byte
	res := Run(c, func(w *World) {
		wg := clock.NewWaitGroup(w, "wg")
		for _, name := range []byte("ab") {
			wg.Go(string(name), func() {
				for range 3 {
					order = append(order, name)
					w.Yield()
				}
			})
		}
		wg.Wait()
		order = append(order, 'm')
	})
	require.Nil(t, res.Failure)
	return string(order)
}

// Under StrategyOldest the task created first runs whenever it can, on
// every seed: "a" spins to the end before "b" runs, and the main task,
// older than both, runs as soon as wg.Wait can return.
func TestOldestRunsTheFirstCreatedTask(t *testing.T) {
	for s := uint64(1); s <= 20; s++ {
		c := DefaultConfig(s)
		require.NoError(t, c.Set("strategy", "oldest"))
		require.Equal(t, "aaabbbm", spinPair(t, c), "seed %d", s)
	}
	c := DefaultConfig(1)
	require.ErrorContains(t, c.Set("strategy", "fifo"), "want random, pct or oldest")
}

// Under the default strategy, the same two spinning tasks interleave for
// some seed: runnable tasks are picked at random.
func TestRandomStrategyInterleaves(t *testing.T) {
	interleaved := false
	for s := uint64(1); s <= 20 && !interleaved; s++ {
		order := spinPair(t, DefaultConfig(s))
		interleaved = order != "aaabbbm" && order != "bbbaaam"
	}
	require.True(t, interleaved)
}

// The text trace has one line per event, step first, and tracing does not
// change the hash.
func TestTraceLinesAndHashUnchangedByTracing(t *testing.T) {
	var b strings.Builder
	w := New(cfg1())
	w.TraceTo(&b)
	traced := w.Run(func() { busyProgram(w) })
	plain := Run(cfg1(), busyProgram)
	require.Equal(t, plain.Hash, traced.Hash)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Greater(t, len(lines), 100)
	for _, l := range lines[:50] {
		f := strings.Fields(l)
		require.GreaterOrEqual(t, len(f), 4, l)
		var step uint64
		_, err := fmt.Sscan(f[0], &step)
		require.NoError(t, err, l)
		require.True(t, strings.HasSuffix(f[1], "s"), l)
	}
	require.Contains(t, b.String(), " crash ")
}

// A run line names the node of the task that runs, not the scheduler's
// (which was always main), so filtering the trace by node shows that
// node's scheduling.
func TestTraceRunLinesNameTheTasksNode(t *testing.T) {
	var b strings.Builder
	w := New(cfg1())
	w.TraceTo(&b)
	w.Run(func() {
		w.NewNode("n3", func() {
			w.Go("worker", func() { w.Sleep(time.Millisecond) })
		})
		w.Sleep(time.Second)
	})
	var n3Runs int
	for _, l := range strings.Split(b.String(), "\n") {
		f := strings.Fields(l)
		if len(f) >= 5 && f[3] == "run" && strings.Contains(l, "worker") {
			require.Equal(t, "n3", f[2], l)
			n3Runs++
		}
	}
	require.Positive(t, n3Runs, "the worker ran:\n%s", b.String())
}
