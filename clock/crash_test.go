package clock_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/sim"
)

// The scenarios in this file crash simulated nodes around the primitives.
// A mailbox owned by the root node stands for any mailbox shared between
// nodes: several nodes send to one node's inbox, or receive from one
// queue of work.

// Scenario: a task of node N is blocked in Recv on a shared mailbox when N
// crashes. The task ends (its deferred call runs) and is forgotten by the
// mailbox: the next value sent goes to a receiver on the root node, at
// once.
func TestCrashEndsTaskBlockedInRecv(t *testing.T) {
	eachSeed(t, 20, func(w *sim.World) {
		mb := clock.NewUnbounded[int](w, "shared")
		deferred, returned := false, false
		n := w.NewNode("n", func() {
			w.Go("reader", func() {
				defer func() { deferred = true }()
				mb.Recv()
				returned = true
			})
		})
		w.Sleep(ms(1))
		w.Crash(n)
		check(deferred, "the crashed reader's deferred call did not run")
		check(!returned, "the crashed reader returned from Recv")
		check(!n.Up(), "node still up after Crash")

		got := clock.NewUnbounded[clock.Time](w, "got")
		w.Go("reader2", func() {
			v, ok := mb.Recv()
			check(ok && v == 7, "reader2 got (%d, %v)", v, ok)
			got.Send(w.Now())
		})
		w.Sleep(ms(1))
		check(mb.Send(7), "Send after the crash failed")
		at, _ := got.Recv()
		check(at == clock.Time(ms(2)), "reader2 received at %s, want 2ms", at)
	})
}

// recvWithin receives from mb, or reports false if nothing comes within d.
func recvWithin[T any](w *sim.World, mb *clock.Mailbox[T], d time.Duration) (T, bool) {
	var v T
	var tv clock.Time
	i, _ := clock.Select(w, mb.Case(&v), clock.After(w, "deadline", d).Case(&tv))
	return v, i == 0
}

// Scenario: receiver A on node N and receiver B on the root node are both
// blocked on a shared mailbox, A first. A value is sent, which wakes A,
// and N crashes at the same instant, before A could take it. The value
// must not be lost with A's wake-up: B receives it, at that instant.
func TestCrashOfWokenReceiverPassesTheWakeupOn(t *testing.T) {
	eachSeed(t, 20, func(w *sim.World) {
		mb := clock.NewUnbounded[int](w, "shared")
		got := clock.NewUnbounded[string](w, "got")
		n := w.NewNode("n", func() {
			w.Go("A", func() {
				v, _ := mb.Recv()
				got.Send(fmt.Sprintf("A:%d", v))
			})
		})
		w.Go("B", func() {
			w.Sleep(ms(1))
			v, _ := mb.Recv()
			got.Send(fmt.Sprintf("B:%d@%s", v, w.Now()))
		})
		w.Sleep(ms(2))
		mb.Send(42) // wakes A, the oldest receiver
		w.Crash(n)  // A dies before it runs
		s, ok := recvWithin(w, got, time.Second)
		check(ok, "nobody received the value: the wake-up died with A (mailbox Len %d)", mb.Len())
		check(s == "B:42@0.002000000s", "got %q, want B:42@0.002000000s", s)
	})
}

// Scenario: the same with Select: A, on node N, selects over the shared
// mailbox and another one; B on the root blocks in Recv. A is woken by a
// value and crashes before taking it: B gets it.
func TestCrashOfWokenSelectPassesTheWakeupOn(t *testing.T) {
	eachSeed(t, 20, func(w *sim.World) {
		mb := clock.NewUnbounded[int](w, "shared")
		other := clock.NewUnbounded[int](w, "other")
		got := clock.NewUnbounded[string](w, "got")
		n := w.NewNode("n", func() {
			w.Go("A", func() {
				var v, o int
				clock.Select(w, mb.Case(&v), other.Case(&o))
				got.Send("A")
			})
		})
		w.Go("B", func() {
			w.Sleep(ms(1))
			v, _ := mb.Recv()
			got.Send(fmt.Sprintf("B:%d", v))
		})
		w.Sleep(ms(2))
		mb.Send(42)
		w.Crash(n)
		s, ok := recvWithin(w, got, time.Second)
		check(ok && s == "B:42", "got (%q, %v), want B:42: the wake-up died with A", s, ok)
		other.Send(1) // A's registration on other is gone too
		check(other.Len() == 1, "a dead select took a value")
	})
}

// Scenario: a bounded inbox of one slot is full. Sender A on node N and
// sender B on the root are blocked, A first. The receiver takes a value,
// which wakes A, and N crashes at that instant. The free slot must go to
// B: its value arrives next, without waiting for another receive.
func TestCrashOfWokenSenderPassesTheWakeupOn(t *testing.T) {
	eachSeed(t, 20, func(w *sim.World) {
		inbox := clock.NewMailbox[string](w, "inbox", 1)
		inbox.Send("first")
		n := w.NewNode("n", func() {
			w.Go("A", func() { inbox.Send("from A") })
		})
		sentAt := clock.Time(-1)
		w.Go("B", func() {
			w.Sleep(ms(1))
			inbox.Send("from B")
			sentAt = w.Now()
		})
		w.Sleep(ms(2))
		v, _ := inbox.Recv() // wakes A
		check(v == "first", "got %q", v)
		w.Crash(n)
		v, ok := recvWithin(w, inbox, time.Second)
		check(ok && v == "from B", "got (%q, %v), want B's value: the free slot's wake-up died with A", v, ok)
		check(sentAt == clock.Time(ms(2)), "B's Send completed at %s, want 2ms", sentAt)
	})
}

// Scenario: a mutex shared across nodes, used with the "Lock; defer
// Unlock" discipline. A holder on node N that crashes inside the critical
// section releases the lock through its deferred Unlock, and the waiter
// on the root gets it at once.
func TestCrashOfMutexHolderReleasesItThroughDefer(t *testing.T) {
	eachSeed(t, 20, func(w *sim.World) {
		mu := clock.NewMutex(w, "shared")
		n := w.NewNode("n", func() {
			w.Go("holder", func() {
				mu.Lock()
				defer mu.Unlock()
				w.Sleep(time.Hour)
			})
		})
		got := clock.NewUnbounded[clock.Time](w, "got")
		w.Go("waiter", func() {
			w.Sleep(ms(1))
			mu.Lock()
			got.Send(w.Now())
			mu.Unlock()
		})
		w.Sleep(ms(2))
		w.Crash(n)
		at, ok := recvWithin(w, got, time.Second)
		check(ok && at == clock.Time(ms(2)), "waiter got the lock: %v at %s, want 2ms", ok, at)
	})
}

// Scenario: the lock is handed to waiter A on node N (the oldest waiter)
// and N crashes before A runs, so A never returns from Lock and its
// "defer Unlock" is never set up. The lock must not be lost with A:
// waiter B on the root gets it at that instant.
func TestCrashOfMutexWaiterHandedTheLockPassesItOn(t *testing.T) {
	eachSeed(t, 20, func(w *sim.World) {
		mu := clock.NewMutex(w, "shared")
		n := w.NewNode("n", func() {
			w.Go("A", func() {
				w.Sleep(ms(1))
				mu.Lock()
				defer mu.Unlock()
				w.Sleep(time.Hour)
			})
		})
		got := clock.NewUnbounded[clock.Time](w, "got")
		w.Go("B", func() {
			w.Sleep(ms(2))
			mu.Lock()
			got.Send(w.Now())
			mu.Unlock()
		})
		mu.Lock()      // at 0, before anyone else wants it
		w.Sleep(ms(3)) // A, then B, queue on the lock
		mu.Unlock()    // hands the lock to A
		w.Crash(n)
		at, ok := recvWithin(w, got, time.Second)
		check(ok && at == clock.Time(ms(3)), "B got the lock: %v at %s, want 3ms", ok, at)
		check(mu.TryLock(), "the lock is still held after everyone left")
	})
}

// Scenario: the same for an RWMutex, with the lock handed to a writer on
// the crashing node (a reader on the root must then get it) and to a
// reader on the crashing node (a writer on the root must then get it).
func TestCrashOfRWMutexWaiterHandedTheLockPassesItOn(t *testing.T) {
	for _, tc := range []struct {
		name    string
		aWrites bool // A, on the crashing node, waits to write
		bWrites bool // B, on the root, waits to write
	}{
		{"writer-then-reader", true, false},
		{"reader-then-writer", false, true},
		{"writer-then-writer", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachSeed(t, 20, func(w *sim.World) {
				rw := clock.NewRWMutex(w, "shared")
				lock := func(write bool) func() {
					if write {
						rw.Lock()
						return rw.Unlock
					}
					rw.RLock()
					return rw.RUnlock
				}
				n := w.NewNode("n", func() {
					w.Go("A", func() {
						w.Sleep(ms(1))
						defer lock(tc.aWrites)()
						w.Sleep(time.Hour)
					})
				})
				got := clock.NewUnbounded[clock.Time](w, "got")
				w.Go("B", func() {
					w.Sleep(ms(2))
					unlock := lock(tc.bWrites)
					got.Send(w.Now())
					unlock()
				})
				rw.Lock()      // at 0, before anyone else wants it
				w.Sleep(ms(3)) // A, then B, queue
				rw.Unlock()    // hands the lock to A
				w.Crash(n)
				at, ok := recvWithin(w, got, time.Second)
				check(ok && at == clock.Time(ms(3)), "B got the lock: %v at %s, want 3ms", ok, at)
				w.Sleep(ms(1))
				done := clock.NewUnbounded[bool](w, "done")
				w.Go("C", func() { rw.Lock(); rw.Unlock(); done.Send(true) })
				_, ok = recvWithin(w, done, time.Second)
				check(ok, "the lock is still held after everyone left")
			})
		})
	}
}

// Scenario: node N schedules a callback, an After, an AfterFunc and a
// ticker, and crashes before any is due. None of them ever fires, not
// even after N restarts; timers N schedules in its new incarnation do.
func TestCrashDropsTheNodesTimers(t *testing.T) {
	eachSeed(t, 20, func(w *sim.World) {
		var fired []string
		var after *clock.Mailbox[clock.Time]
		var ticker *clock.Ticker
		boots := 0
		n := w.NewNode("n", func() {
			boots++
			if boots > 1 {
				w.Schedule(ms(5), func() { fired = append(fired, fmt.Sprintf("new-incarnation@%s", w.Now())) })
				return
			}
			w.Schedule(ms(10), func() { fired = append(fired, "schedule") })
			after = clock.After(w, "after", ms(10))
			clock.AfterFunc(w, "afterfunc", ms(10), func() { fired = append(fired, "afterfunc") })
			ticker = clock.NewTicker(w, "ticker", ms(3))
		})
		w.Sleep(ms(1))
		w.Crash(n)
		w.Sleep(ms(1))
		w.Restart(n)
		w.Sleep(time.Hour)
		check(boots == 2, "boot ran %d times", boots)
		check(fmt.Sprint(fired) == "[new-incarnation@0.007000000s]", "fired: %v", fired)
		check(after.Len() == 0, "After of a crashed node delivered")
		check(ticker.C.Len() == 0, "ticker of a crashed node ticked")
	})
}

// Scenario: Restart runs the boot function again as a fresh task in a new
// incarnation. The old incarnation's task (a loop counting every 1ms)
// stays dead; the new one counts from scratch, and tasks the old one
// started do not come back.
func TestRestartRerunsBoot(t *testing.T) {
	eachSeed(t, 20, func(w *sim.World) {
		var boots []uint32
		counts := map[int]int{} // per boot
		var n *sim.Node
		n = w.NewNode("n", func() {
			boots = append(boots, n.Incarnation())
			me := len(boots)
			w.Go("counter", func() {
				for {
					w.Sleep(ms(1))
					counts[me]++
				}
			})
		})
		w.Sleep(ms(5) + 1)
		w.Crash(n)
		check(!n.Up() && n.Incarnation() == 1, "after Crash: up=%v incarnation=%d", n.Up(), n.Incarnation())
		w.Sleep(ms(10))
		check(counts[1] == 5, "first incarnation counted %d, want 5 (kept running after the crash?)", counts[1])
		w.Restart(n)
		check(n.Up(), "node not up after Restart")
		w.Sleep(ms(3) + 1)
		check(fmt.Sprint(boots) == "[0 1]", "boots saw incarnations %v, want [0 1]", boots)
		check(counts[1] == 5 && counts[2] == 3, "counts %v, want map[1:5 2:3]", counts)
	})
}
