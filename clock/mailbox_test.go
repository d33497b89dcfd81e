package clock_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/sim"
)

// Scenario: three producers each send 0..49 (tagged with their id) into a
// bounded mailbox of 3 that one consumer drains. Every value arrives
// exactly once, and each producer's values arrive in the order sent.
func TestMailboxIsFIFOPerSender(t *testing.T) {
	type msg struct{ from, seq int }
	eachSeed(t, seeds, func(w *sim.World) {
		mb := clock.NewMailbox[msg](w, "mb", 3)
		for p := range 3 {
			w.Go(fmt.Sprintf("producer-%d", p), func() {
				for i := range 50 {
					check(mb.Send(msg{p, i}), "Send on an open mailbox failed")
					if w.Rand("producer").IntN(4) == 0 {
						w.Yield()
					}
				}
			})
		}
		next := [3]int{}
		for range 150 {
			m, ok := mb.Recv()
			check(ok, "Recv on an open mailbox reported closed")
			check(m.seq == next[m.from], "producer %d: got %d, want %d (reordered or lost)", m.from, m.seq, next[m.from])
			next[m.from]++
		}
		check(next == [3]int{50, 50, 50}, "received %v per producer", next)
		check(mb.Len() == 0, "values left over: %d", mb.Len())
	})
}

// Scenario: the queue wraps around its ring buffer and then grows while
// wrapped; the order survives both.
func TestMailboxOrderSurvivesWrapAndGrow(t *testing.T) {
	mustPass(t, 1, func(w *sim.World) {
		mb := clock.NewUnbounded[int](w, "mb")
		next, want := 0, 0
		send := func(n int) {
			for range n {
				mb.Send(next)
				next++
			}
		}
		recv := func(n int) {
			for range n {
				v, ok := mb.TryRecv()
				check(ok && v == want, "got (%d, %v), want %d", v, ok, want)
				want++
			}
		}
		send(6) // buffer of 8: head 0
		recv(5) // head 5
		send(6) // wraps: positions 6,7,0,1,2,3
		check(mb.Len() == 7, "Len = %d, want 7", mb.Len())
		send(20) // grows from a wrapped ring
		check(mb.Len() == 27, "Len = %d, want 27", mb.Len())
		recv(27)
		check(mb.Len() == 0, "Len = %d, want 0", mb.Len())
	})
}

// Scenario: a sender pushes 5 values into a mailbox of 2 whose receiver
// only takes one every 10ms. The first two sends complete at once; the
// third blocks, with the mailbox full, until the first receive at 10ms,
// and so on: each later send completes at the instant space frees up.
func TestMailboxBoundedSendBlocksWhileFull(t *testing.T) {
	eachSeed(t, 20, func(w *sim.World) {
		mb := clock.NewMailbox[int](w, "mb", 2)
		var sentAt []clock.Time
		w.Go("sender", func() {
			for i := range 5 {
				mb.Send(i)
				sentAt = append(sentAt, w.Now())
			}
		})
		w.Sleep(ms(5))
		check(len(sentAt) == 2, "by 5ms %d sends completed on a mailbox of 2, want 2", len(sentAt))
		check(mb.Len() == 2, "Len = %d while the sender is blocked, want 2", mb.Len())
		for i := range 5 {
			w.Sleep(ms(5))
			v, ok := mb.Recv()
			check(ok && v == i, "got (%d, %v), want %d", v, ok, i)
			w.Sleep(ms(5))
		}
		want := "[0.000000000s 0.000000000s 0.010000000s 0.020000000s 0.030000000s]"
		check(fmt.Sprint(sentAt) == want, "sends completed at %v, want %s", sentAt, want)
	})
}

// Scenario: 10,000 sends into an unbounded mailbox with nobody receiving.
// None blocks and none is a scheduling point: a task that would record
// any switch never runs, and no virtual time passes. Then every value
// comes out in order.
func TestMailboxUnboundedNeverBlocks(t *testing.T) {
	const n = 10_000
	eachSeed(t, 5, func(w *sim.World) {
		mb := clock.NewUnbounded[int](w, "mb")
		interleaved := false
		w.Go("observer", func() { interleaved = true })
		for i := range n {
			check(mb.Send(i), "Send %d failed", i)
		}
		check(!interleaved, "another task ran during the sends")
		check(mb.Len() == n, "Len = %d, want %d", mb.Len(), n)
		check(w.Now() == 0, "sends took virtual time: %s", w.Now())
		for i := range n {
			v, ok := mb.Recv()
			check(ok && v == i, "value %d: got (%d, %v)", i, v, ok)
		}
		check(mb.Len() == 0, "Len = %d after draining", mb.Len())
	})
}

// Scenario: TrySend and TryRecv never block: TrySend fails on a full
// mailbox and on a closed one, TryRecv fails on an empty one, and TryRecv
// still drains what was queued before Close.
func TestMailboxTrySendTryRecv(t *testing.T) {
	body := func(rt clock.Runtime) {
		mb := clock.NewMailbox[string](rt, "mb", 2)
		_, ok := mb.TryRecv()
		check(!ok, "TryRecv on an empty mailbox succeeded")
		check(mb.TrySend("a") && mb.TrySend("b"), "TrySend into free space failed")
		check(!mb.TrySend("c"), "TrySend into a full mailbox succeeded")
		check(mb.Len() == 2, "Len = %d, want 2", mb.Len())
		v, ok := mb.TryRecv()
		check(ok && v == "a", "TryRecv = (%q, %v), want a", v, ok)
		check(mb.TrySend("c"), "TrySend after space freed failed")
		mb.Close()
		check(!mb.TrySend("d"), "TrySend on a closed mailbox succeeded")
		for _, want := range []string{"b", "c"} {
			v, ok := mb.TryRecv()
			check(ok && v == want, "TryRecv after Close = (%q, %v), want %q", v, ok, want)
		}
		_, ok = mb.TryRecv()
		check(!ok, "TryRecv on a closed, drained mailbox succeeded")
	}
	t.Run("sim", func(t *testing.T) { mustPass(t, 1, func(w *sim.World) { body(w) }) })
	t.Run("real", func(t *testing.T) { within(t, timeout, func() { body(clock.NewReal()) }) })
}

// Scenario: two receivers are blocked on an empty mailbox and two senders
// on a full one (a different mailbox). Close wakes all four at the
// instant of the close: the receivers get ok=false, the senders false.
func TestMailboxCloseWakesEveryBlockedTask(t *testing.T) {
	eachSeed(t, 20, func(w *sim.World) {
		empty := clock.NewMailbox[int](w, "empty", 1)
		full := clock.NewMailbox[int](w, "full", 1)
		full.Send(0)
		wg := clock.NewWaitGroup(w, "blocked")
		var results []string
		for i := range 2 {
			wg.Go(fmt.Sprintf("receiver-%d", i), func() {
				v, ok := empty.Recv()
				results = append(results, fmt.Sprintf("recv=(%d,%v)@%s", v, ok, w.Now()))
			})
			wg.Go(fmt.Sprintf("sender-%d", i), func() {
				ok := full.Send(i + 1)
				results = append(results, fmt.Sprintf("send=%v@%s", ok, w.Now()))
			})
		}
		w.Sleep(ms(3))
		check(len(results) == 0, "tasks returned before Close: %v", results)
		empty.Close()
		full.Close()
		full.Close() // closing twice is harmless
		wg.Wait()
		check(len(results) == 4, "results %v", results)
		for _, r := range results {
			check(r == "recv=(0,false)@0.003000000s" || r == "send=false@0.003000000s", "unexpected result %q", r)
		}
		check(empty.Closed() && full.Closed(), "Closed() false after Close")
		// The value queued before the close is still there; the blocked
		// senders' values were dropped.
		check(full.Len() == 1, "Len = %d, want the one value queued before Close", full.Len())
	})
}

// Scenario: values queued before Close are still received, in order, by a
// blocking Recv; only then does Recv report ok=false, and it keeps doing
// so. Send on the closed mailbox reports false and drops the value.
func TestMailboxRecvDrainsAfterClose(t *testing.T) {
	body := func(rt clock.Runtime) {
		mb := clock.NewUnbounded[int](rt, "mb")
		for i := range 3 {
			mb.Send(i)
		}
		mb.Close()
		check(!mb.Send(99), "Send on a closed mailbox reported true")
		check(mb.Len() == 3, "Len = %d after a Send on closed, want 3", mb.Len())
		for i := range 3 {
			v, ok := mb.Recv()
			check(ok && v == i, "Recv after Close = (%d, %v), want (%d, true)", v, ok, i)
		}
		for range 2 {
			v, ok := mb.Recv()
			check(!ok && v == 0, "Recv on closed and drained = (%d, %v), want (0, false)", v, ok)
		}
	}
	t.Run("sim", func(t *testing.T) { mustPass(t, 1, func(w *sim.World) { body(w) }) })
	t.Run("real", func(t *testing.T) { within(t, timeout, func() { body(clock.NewReal()) }) })
}

// Scenario: Len follows sends and receives, including on a bounded
// mailbox at capacity.
func TestMailboxLen(t *testing.T) {
	mustPass(t, 1, func(w *sim.World) {
		mb := clock.NewMailbox[int](w, "mb", 3)
		check(mb.Len() == 0, "new mailbox Len = %d", mb.Len())
		for i := 1; i <= 3; i++ {
			mb.Send(i)
			check(mb.Len() == i, "Len = %d after %d sends", mb.Len(), i)
		}
		mb.TrySend(4)
		check(mb.Len() == 3, "Len = %d after a failed TrySend, want 3", mb.Len())
		mb.Recv()
		check(mb.Len() == 2, "Len = %d after a Recv, want 2", mb.Len())
	})
}

func TestNewMailboxRejectsNonPositiveCapacity(t *testing.T) {
	rt := clock.NewReal()
	want := "clock: NewMailbox capacity must be positive; use NewUnbounded"
	require.PanicsWithValue(t, want, func() { clock.NewMailbox[int](rt, "mb", 0) })
	require.PanicsWithValue(t, want, func() { clock.NewMailbox[int](rt, "mb", -1) })
}
