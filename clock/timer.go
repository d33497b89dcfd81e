package clock

import (
	"time"

	"github.com/cdcsim/cdcsim/fault"
)

// Ticker delivers the time on C every period, like time.Ticker. A tick
// that finds C full is dropped, as with time.Ticker, so a slow reader sees
// fewer ticks rather than a backlog.
type Ticker struct {
	C      *Mailbox[Time]
	rt     Runtime
	period time.Duration
	// timer and stopped are guarded by the runtime lock: in real mode tick
	// runs on a timer goroutine, possibly before NewTicker has stored the
	// timer, or while Stop is running.
	timer   Timer
	stopped bool
}

// NewTicker starts a ticker. period must be positive.
func NewTicker(rt Runtime, name string, period time.Duration) *Ticker {
	if period <= 0 {
		panic("clock: non-positive ticker period")
	}
	t := &Ticker{C: NewMailbox[Time](rt, name, 1), rt: rt, period: period}
	rt.Enter()
	t.timer = rt.Schedule(period, t.tick)
	rt.Exit()
	return t
}

// tick delivers one tick and re-arms the timer, unless Stop came first.
// In real mode Stop can run after the timer fired and before tick
// re-arms it (time.Timer.Stop then reports false): checking stopped under
// the lock is what keeps such a ticker stopped.
func (t *Ticker) tick() {
	now := t.rt.Now()
	next := t.period
	if t.rt.Buggify(fault.TickerJitter) {
		// Under GC and scheduler load a Go ticker's reader sees a longer
		// gap between two ticks: here the next tick is late.
		next += time.Duration(t.rt.Rand(fault.TickerJitter).Int64N(int64(t.period/4) + 1))
	}
	t.rt.Enter()
	if !t.stopped {
		if !t.C.full() {
			t.C.put(now)
		}
		t.timer.Reset(next)
	}
	t.rt.Exit()
}

// Stop turns the ticker off: no tick is delivered after it returns. It
// does not close C.
func (t *Ticker) Stop() {
	t.rt.Enter()
	t.stopped = true
	t.timer.Stop()
	t.rt.Exit()
}

// After returns a mailbox that receives the time once, after d.
func After(rt Runtime, name string, d time.Duration) *Mailbox[Time] {
	c := NewMailbox[Time](rt, name, 1)
	rt.Schedule(d, func() { c.TrySend(rt.Now()) })
	return c
}

// AfterFunc runs f in a new task after d, with the semantics of
// time.AfterFunc: f may block.
func AfterFunc(rt Runtime, name string, d time.Duration, f func()) Timer {
	return rt.Schedule(d, func() { rt.Go(name, f) })
}

// Every runs f every period, for ever: the body of a periodic task such
// as a heartbeat or a sweep loop. Start it as a task (rt.Go(name, func()
// { clock.Every(rt, name, period, f) })); it ends with its task, when its
// node crashes or the run ends. Ticks that f is too slow for are dropped,
// as with Ticker.
func Every(rt Runtime, name string, period time.Duration, f func()) {
	t := NewTicker(rt, name, period)
	for {
		if _, ok := t.C.Recv(); !ok {
			return
		}
		f()
	}
}
