package clock_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/sim"
)

// Scenario: a 10ms ticker started at 3ms, read by a task that is always
// waiting. Each tick carries, and arrives at, exactly 3ms + k*10ms of
// virtual time.
func TestTickerTicksAtExactPeriodMultiples(t *testing.T) {
	eachSeed(t, 20, func(w *sim.World) {
		w.Sleep(ms(3))
		tk := clock.NewTicker(w, "tick", ms(10))
		for k := 1; k <= 5; k++ {
			v, ok := tk.C.Recv()
			want := clock.Time(ms(3 + 10*k))
			check(ok, "ticker channel closed")
			check(v == want, "tick %d carries %s, want %s", k, v, want)
			check(w.Now() == want, "tick %d arrived at %s, want %s", k, w.Now(), want)
		}
		tk.Stop()
	})
}

// Scenario: the reader of a 10ms ticker is away until 35ms. It finds one
// tick waiting (the one of 10ms), not a backlog of three; the next tick it
// sees is the one of 40ms. After another long absence it again finds only
// the first tick it missed.
func TestTickerSlowReaderMissesTicks(t *testing.T) {
	eachSeed(t, 20, func(w *sim.World) {
		tk := clock.NewTicker(w, "tick", ms(10))
		w.Sleep(ms(35))
		check(tk.C.Len() == 1, "%d ticks queued after missing three, want 1", tk.C.Len())
		var got []clock.Time
		for range 2 {
			v, _ := tk.C.Recv()
			got = append(got, v)
		}
		w.Sleep(ms(25)) // 40ms -> 65ms: ticks of 50 and 60 are due
		for range 2 {
			v, _ := tk.C.Recv()
			got = append(got, v)
		}
		tk.Stop()
		want := "[0.010000000s 0.040000000s 0.050000000s 0.070000000s]"
		check(fmt.Sprint(got) == want, "ticks %v, want %s", got, want)
	})
}

// Scenario: after Stop no tick is delivered, however long the reader
// waits, whether the reader stops the ticker itself or another task stops
// it while the reader is blocked. C is not closed by Stop.
func TestTickerStopStopsTicks(t *testing.T) {
	eachSeed(t, 20, func(w *sim.World) {
		tk := clock.NewTicker(w, "tick", ms(10))
		tk.C.Recv()
		tk.C.Recv()
		tk.Stop()
		w.Sleep(time.Hour)
		_, ok := tk.C.TryRecv()
		check(!ok, "a tick arrived after Stop")
		check(!tk.C.Closed(), "Stop closed C")

		tk2 := clock.NewTicker(w, "tick2", ms(10))
		w.Go("stopper", func() {
			w.Sleep(ms(5))
			tk2.Stop()
		})
		timeout := clock.After(w, "timeout", time.Hour)
		var tick, to clock.Time
		i, _ := clock.Select(w, tk2.C.Case(&tick), timeout.Case(&to))
		check(i == 1, "got a tick at %s from a ticker stopped at 5ms", tick)
	})
}

// Scenario: After delivers the time once, at exactly d, and never again.
func TestAfterFiresOnceAtTheRightTime(t *testing.T) {
	eachSeed(t, 20, func(w *sim.World) {
		w.Sleep(ms(2))
		c := clock.After(w, "after", ms(7))
		v, ok := c.Recv()
		check(ok && v == clock.Time(ms(9)), "After delivered (%s, %v), want 9ms", v, ok)
		check(w.Now() == clock.Time(ms(9)), "Recv returned at %s, want 9ms", w.Now())
		w.Sleep(time.Hour)
		check(c.Len() == 0, "After delivered a second time")
	})
}

// Scenario: AfterFunc runs f in a task of its own at d, so f may block:
// here it sleeps 3ms, which would fail the run if f ran on the
// scheduler's callback context. Meanwhile the caller goes on. A stopped
// AfterFunc never runs.
func TestAfterFuncRunsFInATaskThatMayBlock(t *testing.T) {
	eachSeed(t, 20, func(w *sim.World) {
		var started, ended clock.Time = -1, -1
		done := clock.NewUnbounded[struct{}](w, "done")
		clock.AfterFunc(w, "f", ms(5), func() {
			started = w.Now()
			w.Sleep(ms(3))
			ended = w.Now()
			done.Send(struct{}{})
		})
		stopped := false
		tm := clock.AfterFunc(w, "never", ms(4), func() { stopped = true })
		check(tm.Stop(), "Stop of a pending AfterFunc reported false")
		check(!tm.Stop(), "second Stop reported true")
		check(started == -1, "f ran synchronously")
		done.Recv()
		check(started == clock.Time(ms(5)) && ended == clock.Time(ms(8)), "f ran %s..%s, want 5ms..8ms", started, ended)
		w.Sleep(time.Hour)
		check(!stopped, "a stopped AfterFunc ran")
	})
}

// Scenario: the Timer handle of Schedule. Stop reports whether it stopped
// a pending callback; Reset re-arms from now, whether or not it ran, and
// reports whether it was pending.
func TestScheduleTimerStopAndReset(t *testing.T) {
	mustPass(t, 1, func(w *sim.World) {
		var runs []clock.Time
		tm := w.Schedule(ms(10), func() { runs = append(runs, w.Now()) })
		w.Sleep(ms(5))
		check(tm.Reset(ms(10)), "Reset of a pending timer reported false") // now due at 15ms
		w.Sleep(ms(20))                                                    // 25ms
		check(!tm.Stop(), "Stop after the callback ran reported true")
		check(!tm.Reset(ms(5)), "Reset after the callback ran reported true") // due at 30ms
		w.Sleep(ms(10))                                                       // 35ms
		check(fmt.Sprint(runs) == "[0.015000000s 0.030000000s]", "runs %v", runs)
		tm.Reset(ms(5))
		check(tm.Stop(), "Stop of a pending timer reported false")
		w.Sleep(ms(10))
		check(len(runs) == 2, "a stopped timer ran: %v", runs)
	})
}

func TestNewTickerRejectsNonPositivePeriod(t *testing.T) {
	rt := clock.NewReal()
	require.PanicsWithValue(t, "clock: non-positive ticker period", func() { clock.NewTicker(rt, "t", 0) })
	require.PanicsWithValue(t, "clock: non-positive ticker period", func() { clock.NewTicker(rt, "t", -time.Second) })
}

// manualRuntime is a real runtime whose timers are fired by hand. It lets
// a test put a Ticker.Stop at the exact moment a real timer goroutine can
// race with it: while tick is running.
type manualRuntime struct {
	*clock.Real
	timers []*manualTimer
	onNow  func() // called once, from the next Now
}

type manualTimer struct {
	f       func()
	pending bool
}

func (r *manualRuntime) Schedule(d time.Duration, f func()) clock.Timer {
	tm := &manualTimer{f: f, pending: true}
	r.timers = append(r.timers, tm)
	return tm
}

func (r *manualRuntime) Now() clock.Time {
	if f := r.onNow; f != nil {
		r.onNow = nil
		f()
	}
	return r.Real.Now()
}

// fire runs the callback as time.AfterFunc does: the timer stops being
// pending when the callback starts, so a Stop during it reports false.
func (tm *manualTimer) fire() {
	tm.pending = false
	tm.f()
}

func (tm *manualTimer) Stop() bool {
	was := tm.pending
	tm.pending = false
	return was
}

func (tm *manualTimer) Reset(time.Duration) bool {
	was := tm.pending
	tm.pending = true
	return was
}

// Scenario (real mode): Stop is called while a tick is being delivered on
// the timer goroutine, after the timer fired. The tick must not re-arm the
// timer behind Stop's back, and must not deliver after Stop returned:
// the ticker stays stopped.
func TestTickerStopDuringTickStaysStopped(t *testing.T) {
	rt := &manualRuntime{Real: clock.NewReal()}
	tk := clock.NewTicker(rt, "tick", time.Millisecond)
	require.Len(t, rt.timers, 1)
	tm := rt.timers[0]

	tm.fire() // an ordinary tick: delivered and re-armed
	require.True(t, tm.pending, "the ticker did not re-arm after a tick")
	_, ok := tk.C.TryRecv()
	require.True(t, ok, "the tick was not delivered")

	rt.onNow = tk.Stop // Stop lands while the next tick is in progress
	tm.fire()
	require.False(t, tm.pending, "the tick re-armed the timer after Stop: the ticker never stops")
	_, ok = tk.C.TryRecv()
	require.False(t, ok, "a tick was delivered after Stop returned")
}

func TestTimeArithmeticAndString(t *testing.T) {
	t0 := clock.Time(0).Add(1500 * time.Millisecond)
	require.Equal(t, "1.500000000s", t0.String())
	require.Equal(t, "0.000000001s", clock.Time(1).String())
	require.Equal(t, "-2.000000005s", clock.Time(-2_000_000_005).String())
	require.Equal(t, 1500*time.Millisecond, t0.Duration())
	require.Equal(t, -time.Second, clock.Time(ms(500)).Sub(t0))
}
