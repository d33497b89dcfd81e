package clock

import (
	"fmt"
	"time"
)

// Time is a point in time in nanoseconds since the runtime started. Under
// the simulator it is virtual: it starts at 0 and only moves when the
// scheduler jumps to the next pending event.
type Time int64

// Add returns t+d.
func (t Time) Add(d time.Duration) Time { return t + Time(d) }

// Sub returns t-u as a duration.
func (t Time) Sub(u Time) time.Duration { return time.Duration(t - u) }

// Duration returns t as the duration elapsed since the runtime started.
func (t Time) Duration() time.Duration { return time.Duration(t) }

// String prints t as an elapsed duration with a fixed precision (for
// example "12.345678901s"), so traces line up and compare as text.
func (t Time) String() string {
	sign := ""
	if t < 0 {
		sign, t = "-", -t
	}
	return fmt.Sprintf("%s%d.%09ds", sign, int64(t)/1e9, int64(t)%1e9)
}

// Clock is the time source of the model.
type Clock interface {
	// Now returns the current time.
	Now() Time
	// Sleep blocks the calling task for d. A non-positive d still yields.
	Sleep(d time.Duration)
	// Schedule runs f once after d on the runtime's own context and returns
	// a handle that can stop or re-arm it. f must not block (see the
	// package doc); it runs on behalf of the node that called Schedule and
	// does not run at all if that node crashed in the meantime.
	Schedule(d time.Duration, f func()) Timer
}

// Timer is a handle on a scheduled callback.
type Timer interface {
	// Stop cancels the callback. It reports whether the call stopped it,
	// false if it already ran or was stopped.
	Stop() bool
	// Reset re-arms the callback to run after d from now, whether or not it
	// already ran. It reports whether the timer was still pending.
	Reset(d time.Duration) bool
}
