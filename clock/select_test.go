package clock_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/sim"
)

// Scenario: only the second of two mailboxes has a value; Select takes it
// without blocking and returns its index.
func TestSelectTakesTheReadyCase(t *testing.T) {
	body := func(rt clock.Runtime) {
		a, b := clock.NewUnbounded[int](rt, "a"), clock.NewUnbounded[string](rt, "b")
		var av int
		var bv string
		cases := []clock.Case{a.Case(&av), b.Case(&bv)}
		b.Send("hello")
		i, ok := clock.Select(rt, cases...)
		check(i == 1 && ok && bv == "hello", "Select = (%d, %v) bv=%q, want (1, true) hello", i, ok, bv)
		a.Send(7)
		i, ok = clock.Select(rt, cases...) // the cases are reusable
		check(i == 0 && ok && av == 7, "Select = (%d, %v) av=%d, want (0, true) 7", i, ok, av)
		check(a.Len() == 0 && b.Len() == 0, "Select left values behind")
	}
	t.Run("sim", func(t *testing.T) { mustPass(t, 1, func(w *sim.World) { body(w) }) })
	t.Run("real", func(t *testing.T) { within(t, timeout, func() { body(clock.NewReal()) }) })
}

// Scenario: Select on two empty mailboxes blocks until a value arrives on
// either, and wakes at that instant with that case.
func TestSelectBlocksUntilACaseIsReady(t *testing.T) {
	eachSeed(t, 20, func(w *sim.World) {
		a, b := clock.NewUnbounded[int](w, "a"), clock.NewMailbox[int](w, "b", 1)
		var av, bv int
		w.Go("sender", func() {
			w.Sleep(ms(5))
			b.Send(42)
			w.Sleep(ms(5))
			a.Send(43)
		})
		i, ok := clock.Select(w, a.Case(&av), b.Case(&bv))
		check(i == 1 && ok && bv == 42, "Select = (%d, %v) bv=%d, want (1, true) 42", i, ok, bv)
		check(w.Now() == clock.Time(ms(5)), "woke at %s, want 5ms", w.Now())
		i, ok = clock.Select(w, a.Case(&av), b.Case(&bv))
		check(i == 0 && ok && av == 43, "Select = (%d, %v) av=%d, want (0, true) 43", i, ok, av)
		check(w.Now() == clock.Time(ms(10)), "woke at %s, want 10ms", w.Now())
	})
}

// Scenario: both mailboxes hold a value when Select runs. Which one it
// takes is a seeded choice: across seeds both are taken, and the same
// seed always takes the same one and produces the same run hash.
func TestSelectChoiceAmongReadyCasesIsSeeded(t *testing.T) {
	pick := func(seed uint64) (int, uint64) {
		chosen := -1
		res := mustPass(t, seed, func(w *sim.World) {
			a, b := clock.NewUnbounded[int](w, "a"), clock.NewUnbounded[int](w, "b")
			a.Send(1)
			b.Send(2)
			var av, bv int
			i, ok := clock.Select(w, a.Case(&av), b.Case(&bv))
			check(ok, "Select on ready cases reported closed")
			check(i == 0 && av == 1 || i == 1 && bv == 2, "index %d does not match the value received", i)
			check(a.Len()+b.Len() == 1, "Select took %d values", 2-a.Len()-b.Len())
			chosen = i
		})
		return chosen, res.Hash
	}
	counts := [2]int{}
	for seed := uint64(1); seed <= seeds; seed++ {
		i, h := pick(seed)
		counts[i]++
		i2, h2 := pick(seed)
		require.Equal(t, i, i2, "seed %d chose differently on replay", seed)
		require.Equal(t, h, h2, "seed %d hashed differently on replay", seed)
	}
	require.Positive(t, counts[0], "case 0 never chosen in %d seeds", seeds)
	require.Positive(t, counts[1], "case 1 never chosen in %d seeds", seeds)
	t.Logf("case 0 chosen %d times, case 1 %d times", counts[0], counts[1])
}

// Scenario: a closed mailbox is a ready case: Select returns its index
// with ok=false, immediately if it is already closed, or by waking up when
// it gets closed. Values queued before the close come out first.
func TestSelectOnClosedMailbox(t *testing.T) {
	eachSeed(t, 20, func(w *sim.World) {
		a, b := clock.NewUnbounded[int](w, "a"), clock.NewUnbounded[int](w, "b")
		var av, bv int
		w.Go("closer", func() {
			w.Sleep(ms(5))
			b.Send(9)
			b.Close()
		})
		i, ok := clock.Select(w, a.Case(&av), b.Case(&bv))
		check(i == 1 && ok && bv == 9, "Select = (%d, %v) bv=%d, want the value queued before Close", i, ok, bv)
		i, ok = clock.Select(w, a.Case(&av), b.Case(&bv))
		check(i == 1 && !ok && bv == 0, "Select = (%d, %v) bv=%d, want (1, false) 0", i, ok, bv)
		check(w.Now() == clock.Time(ms(5)), "returned at %s, want 5ms", w.Now())

		// A select blocked on two empty mailboxes wakes when one closes.
		c := clock.NewUnbounded[int](w, "c")
		w.Go("closer2", func() {
			w.Sleep(ms(5))
			c.Close()
		})
		var cv int
		a2 := clock.NewUnbounded[int](w, "a2")
		i, ok = clock.Select(w, a2.Case(&av), c.Case(&cv))
		check(i == 1 && !ok, "Select = (%d, %v), want (1, false) from the closed mailbox", i, ok)
		check(w.Now() == clock.Time(ms(10)), "woke at %s, want 10ms", w.Now())
	})
}

// Scenario (lost wake-ups): receiver S selects over work and pause;
// receiver R blocks in Recv on work. Every millisecond a producer sends one
// work value and, at random, a pause for S, which then goes away for 10ms.
// When S is woken for a work value but chooses pause, the wake-up for that
// value must be passed on to R. R is never busy, so every value must be
// received at the very instant it was sent, exactly once, whoever gets it.
func TestSelectDoesNotSwallowWakeups(t *testing.T) {
	const values = 30
	type rec struct {
		who string
		v   int
		at  clock.Time
	}
	passedOn := 0 // runs in which S took a pause with a work value pending
	for seed := uint64(1); seed <= seeds; seed++ {
		mustPass(t, seed, func(w *sim.World) {
			work := clock.NewUnbounded[int](w, "work")
			pause := clock.NewUnbounded[struct{}](w, "pause")
			got := clock.NewUnbounded[rec](w, "got")
			r := w.Rand("test")
			sawPending := false
			w.Go("S", func() {
				var v int
				var p struct{}
				cases := []clock.Case{work.Case(&v), pause.Case(&p)}
				for {
					i, ok := clock.Select(w, cases...)
					check(ok, "Select reported a closed mailbox")
					if i == 1 {
						sawPending = sawPending || work.Len() > 0
						w.Sleep(ms(10))
						continue
					}
					got.Send(rec{"S", v, w.Now()})
				}
			})
			w.Go("R", func() {
				for {
					v, ok := work.Recv()
					check(ok, "Recv reported a closed mailbox")
					got.Send(rec{"R", v, w.Now()})
				}
			})
			w.Go("producer", func() {
				for i := range values {
					work.Send(i)
					if r.IntN(2) == 0 {
						pause.Send(struct{}{})
					}
					w.Sleep(ms(1))
				}
			})
			seen := make(map[int]bool)
			for range values {
				g, _ := got.Recv()
				check(!seen[g.v], "value %d received twice", g.v)
				seen[g.v] = true
				check(g.at == clock.Time(ms(g.v)), "%s received value %d at %s, sent at %s: its wake-up was lost",
					g.who, g.v, g.at, clock.Time(ms(g.v)))
			}
			if sawPending {
				passedOn++
			}
		})
	}
	// The scenario is only meaningful if S did choose pause over a pending
	// value in some runs.
	require.Positive(t, passedOn, "S never chose pause with a value pending")
	t.Logf("S chose pause over a pending value in %d of %d runs", passedOn, seeds)
}

// Scenario: after a Select returns through one case it leaves no stale
// registration on the other: a later value on that other mailbox goes to
// the task actually waiting there, at once.
func TestSelectLeavesNoStaleWaiter(t *testing.T) {
	eachSeed(t, 20, func(w *sim.World) {
		a, b := clock.NewUnbounded[int](w, "a"), clock.NewUnbounded[int](w, "b")
		var gotAt clock.Time = -1
		w.Go("selector", func() {
			var av, bv int
			clock.Select(w, a.Case(&av), b.Case(&bv)) // parks on a and b
			w.Sleep(ms(100))                          // busy elsewhere
		})
		w.Go("b-reader", func() {
			w.Sleep(ms(1))
			b.Recv()
			gotAt = w.Now()
		})
		w.Sleep(ms(2)) // both are parked
		a.Send(1)      // wakes the selector through a
		w.Sleep(ms(1))
		b.Send(2) // must wake b-reader, not the selector's stale entry
		w.Sleep(ms(1))
		check(gotAt == clock.Time(ms(3)), "b-reader received at %s, want 3ms", gotAt)
	})
}
