package clock

import "time"

// Ticker delivers the time on C every period, like time.Ticker. A tick
// that finds C full is dropped, as with time.Ticker, so a slow reader sees
// fewer ticks rather than a backlog.
type Ticker struct {
	C      *Mailbox[Time]
	rt     Runtime
	period time.Duration
	timer  Timer
}

// NewTicker starts a ticker. period must be positive.
func NewTicker(rt Runtime, name string, period time.Duration) *Ticker {
	if period <= 0 {
		panic("clock: non-positive ticker period")
	}
	t := &Ticker{C: NewMailbox[Time](rt, name, 1), rt: rt, period: period}
	t.timer = rt.Schedule(period, t.tick)
	return t
}

func (t *Ticker) tick() {
	t.C.TrySend(t.rt.Now())
	t.timer.Reset(t.period)
}

// Stop turns the ticker off. It does not close C.
func (t *Ticker) Stop() { t.timer.Stop() }

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
