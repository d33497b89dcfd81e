package clock_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/cdcsim/cdcsim/clock"
)

// blockedTasks starts one task per blocking operation of the package, each
// of which blocks forever unless Stop ends it: Recv on an empty mailbox,
// Send to a full one, Sleep, Mutex.Lock and RWMutex.Lock on held locks,
// Select on empty mailboxes and WaitGroup.Wait. Each counts its deferred
// call in deferred and counts in returned if the blocking call ever
// returns. started counts the tasks that reached their blocking call.
func blockedTasks(rt *clock.Real, started, deferred, returned *atomic.Int32) int {
	empty := clock.NewUnbounded[int](rt, "empty")
	full := clock.NewMailbox[int](rt, "full", 1)
	full.Send(0)
	mu := clock.NewMutex(rt, "held")
	mu.Lock()
	rw := clock.NewRWMutex(rt, "rw")
	rw.RLock()
	wg := clock.NewWaitGroup(rt, "never")
	wg.Add(1)
	var a, b int
	ops := []struct {
		name string
		op   func()
	}{
		{"recv", func() { empty.Recv() }},
		{"send", func() { full.Send(1) }},
		{"sleep", func() { rt.Sleep(time.Hour) }},
		{"lock", func() { mu.Lock() }},
		{"wlock", func() { rw.Lock() }},
		{"select", func() { clock.Select(rt, empty.Case(&a), clock.NewUnbounded[int](rt, "other").Case(&b)) }},
		{"wait", func() { wg.Wait() }},
	}
	for _, o := range ops {
		op := o.op
		rt.Go(o.name, func() {
			defer deferred.Add(1)
			started.Add(1)
			op()
			returned.Add(1)
		})
	}
	return len(ops)
}

// Scenario: tasks blocked in every kind of blocking call when Stop comes
// all end: their deferred calls run, none returns from its blocking call,
// Wait returns, the runtime's lock is free afterwards, and no goroutine is
// left.
func TestRealStopEndsBlockedTasks(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var started, deferred, returned atomic.Int32
	var n int
	var afterStop *clock.Mailbox[int]
	within(t, timeout, func() {
		rt := clock.NewReal()
		n = blockedTasks(rt, &started, &deferred, &returned)
		for started.Load() < int32(n) {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond) // let them all get into Park or Sleep
		rt.Stop()
		rt.Wait()
		// The lock is free: every unwound task released it.
		afterStop = clock.NewUnbounded[int](rt, "after")
		afterStop.TrySend(1)
	})
	require.Equal(t, int32(n), deferred.Load(), "deferred calls that ran")
	require.Zero(t, returned.Load(), "blocking calls that returned after Stop")
	require.Equal(t, 1, afterStop.Len())
}

// Scenario: a task that is running when Stop comes goes on until its next
// Sleep, which unwinds it; the code after that Sleep never runs.
func TestRealStopUnwindsAtNextSleep(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var stopped, deferred, after atomic.Bool
	within(t, timeout, func() {
		rt := clock.NewReal()
		rt.Go("busy", func() {
			defer deferred.Store(true)
			for !stopped.Load() {
				time.Sleep(time.Millisecond) // busy with something that is not the runtime's
			}
			rt.Sleep(time.Nanosecond)
			after.Store(true)
		})
		rt.Stop()
		stopped.Store(true)
		rt.Wait()
	})
	require.True(t, deferred.Load(), "the task's deferred call did not run")
	require.False(t, after.Load(), "the task went past Sleep after Stop")
}

// Scenario: after Stop, Go starts nothing and Schedule callbacks, new or
// already pending, do not run; Stop twice and Wait with nothing running
// are harmless.
func TestRealStopSilencesGoAndSchedule(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var ran atomic.Int32
	ticks := -1
	within(t, timeout, func() {
		rt := clock.NewReal()
		rt.Schedule(20*time.Millisecond, func() { ran.Add(1) })
		tk := clock.NewTicker(rt, "tick", 5*time.Millisecond)
		rt.Stop()
		rt.Stop()
		rt.Go("late", func() { ran.Add(1) })
		rt.Schedule(0, func() { ran.Add(1) })
		clock.AfterFunc(rt, "late-f", 0, func() { ran.Add(1) })
		time.Sleep(50 * time.Millisecond)
		rt.Wait()
		ticks = tk.C.Len()
	})
	require.Zero(t, ran.Load(), "something ran after Stop")
	require.Zero(t, ticks, "a tick was delivered after Stop")
}

// Scenario: a deferred Unlock of a clock Mutex runs when a task holding
// it is unwound by Stop (here from a Recv inside the critical section),
// so a task of the test goroutine's own can take the lock afterwards.
func TestRealStopRunsDeferredUnlock(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	within(t, timeout, func() {
		rt := clock.NewReal()
		mu := clock.NewMutex(rt, "mu")
		mb := clock.NewUnbounded[int](rt, "mb")
		var in atomic.Bool
		rt.Go("holder", func() {
			mu.Lock()
			defer mu.Unlock()
			in.Store(true)
			mb.Recv()
		})
		for !in.Load() {
			time.Sleep(time.Millisecond)
		}
		rt.Stop()
		rt.Wait()
		if !mu.TryLock() {
			panic("the mutex is still held after its holder was unwound")
		}
	})
}
