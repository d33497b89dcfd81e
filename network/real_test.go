package network_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/network"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// newReal returns a real network that the test closes, then checks that
// no goroutine outlives it.
func newReal(t *testing.T, lat network.Dist) *network.Real {
	t.Helper()
	net := network.NewReal(clock.NewReal(), lat)
	t.Cleanup(func() {
		net.Close()
		goleak.VerifyNone(t)
	})
	return net
}

// recvWithin receives one envelope from in, failing the test if none
// comes within d.
func recvWithin(t *testing.T, in *clock.Mailbox[network.Envelope], d time.Duration) network.Envelope {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if env, ok := in.TryRecv(); ok {
			return env
		}
		time.Sleep(100 * time.Microsecond)
	}
	t.Fatalf("nothing arrived within %v", d)
	return network.Envelope{}
}

func TestRealDelivers(t *testing.T) {
	net := newReal(t, network.Fixed(0))
	a, b := net.Attach("a", "s"), net.Attach("b", "s")
	require.Equal(t, network.NodeID("a"), a.ID())
	var ids []uint64
	for i := range 100 {
		require.NoError(t, a.Send("b", "s", i))
	}
	for i := range 100 {
		env := recvWithin(t, b.Inbox("s"), 5*time.Second)
		require.Equal(t, i, env.Msg)
		require.Equal(t, network.NodeID("a"), env.From)
		require.Equal(t, network.NodeID("b"), env.To)
		require.Equal(t, network.Stream("s"), env.Stream)
		ids = append(ids, env.ID)
	}
	for i := 1; i < len(ids); i++ {
		require.Greater(t, ids[i], ids[i-1], "IDs number sends in order")
	}
	st := net.Stats()
	require.EqualValues(t, 100, st.Sent)
	require.EqualValues(t, 100, st.Delivered)
}

// Messages wait their latency, on the wall clock.
func TestRealLatency(t *testing.T) {
	net := newReal(t, network.Fixed(30*time.Millisecond))
	a, b := net.Attach("a", "s"), net.Attach("b", "s")
	start := time.Now()
	require.NoError(t, a.Send("b", "s", "x"))
	_, ok := b.Inbox("s").TryRecv()
	require.False(t, ok, "delivered before its latency")
	recvWithin(t, b.Inbox("s"), 5*time.Second)
	require.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)
}

// Under random delays, concurrent senders on several links and streams
// still see each (from, to, stream) delivered completely and in order.
func TestRealFIFOPerLinkUnderRandomDelays(t *testing.T) {
	net := newReal(t, network.Uniform(0, 2*time.Millisecond))
	const perLink = 300
	senders := []network.NodeID{"a", "b", "c"}
	streams := []network.Stream{"events", "commands"}
	dst := net.Attach("dst", streams...)
	var wg sync.WaitGroup
	for _, s := range senders {
		ep := net.Attach(s, streams...)
		for _, st := range streams {
			wg.Go(func() {
				for i := range perLink {
					if err := ep.Send("dst", st, i); err != nil {
						panic(err)
					}
					if i%50 == 0 {
						time.Sleep(time.Millisecond)
					}
				}
			})
		}
	}
	got := map[string][]int{}
	var order []string // the link of each delivery, for the interleaving check
	for _, st := range streams {
		for range len(senders) * perLink {
			env := recvWithin(t, dst.Inbox(st), 10*time.Second)
			k := fmt.Sprintf("%s/%s", env.From, env.Stream)
			got[k] = append(got[k], env.Msg.(int))
			order = append(order, k)
		}
	}
	wg.Wait()
	for _, s := range senders {
		for _, st := range streams {
			k := fmt.Sprintf("%s/%s", s, st)
			require.Len(t, got[k], perLink, k)
			for i, v := range got[k] {
				require.Equal(t, i, v, "%s out of order", k)
			}
		}
	}
	switches := 0
	for i := 1; i < len(order); i++ {
		if order[i] != order[i-1] {
			switches++
		}
	}
	require.Greater(t, switches, len(streams), "links should interleave, not run one after another")
}

func TestRealSendErrors(t *testing.T) {
	net := newReal(t, network.Fixed(0))
	a := net.Attach("a", "s")
	net.Attach("b", "s")

	err := a.Send("ghost", "s", "x")
	require.ErrorIs(t, err, network.ErrUnreachable)
	require.ErrorContains(t, err, "unknown node")

	old := a
	a = net.Attach("a", "s")
	err = old.Send("b", "s", "x")
	require.ErrorIs(t, err, network.ErrUnreachable, "an endpoint of an earlier incarnation cannot send")
	require.True(t, old.Inbox("s").Closed(), "and its inboxes are closed")
	require.False(t, a.Inbox("s").Closed())

	net.SetDown("a")
	require.False(t, net.Up("a"))
	require.ErrorIs(t, a.Send("b", "s", "x"), network.ErrUnreachable, "a node that is down cannot send")

	net.Close()
	b := net.Attach("b", "s")
	require.ErrorIs(t, b.Send("b", "s", "x"), network.ErrUnreachable, "nothing is sent after Close")
	require.True(t, b.Inbox("s").Closed())
	require.EqualValues(t, 4, net.Stats().Rejected)
}

// A node set down loses the messages in flight to it, and its inboxes
// close, waking a blocked receiver; after it attaches again, new messages
// arrive in the new inboxes only.
func TestRealSetDownDrops(t *testing.T) {
	net := newReal(t, network.Fixed(50*time.Millisecond))
	a, b := net.Attach("a", "s"), net.Attach("b", "s")
	recvd := make(chan bool)
	go func() {
		_, ok := b.Inbox("s").Recv()
		recvd <- ok
	}()
	for i := range 5 {
		require.NoError(t, a.Send("b", "s", i))
	}
	net.SetDown("b")
	select {
	case ok := <-recvd:
		require.False(t, ok, "the blocked receiver wakes to a closed inbox")
	case <-time.After(5 * time.Second):
		t.Fatal("SetDown did not wake the receiver")
	}
	require.NoError(t, a.Send("b", "s", "to a down node"), "a send to a down node is accepted and lost")
	b2 := net.Attach("b", "s")
	require.NoError(t, a.Send("b", "s", "after"))
	env := recvWithin(t, b2.Inbox("s"), 5*time.Second)
	require.Equal(t, "after", env.Msg, "messages to the old incarnation are not delivered to the new one")
	time.Sleep(20 * time.Millisecond)
	_, ok := b2.Inbox("s").TryRecv()
	require.False(t, ok)
	st := net.Stats()
	require.EqualValues(t, 6, st.DroppedDown)
	require.EqualValues(t, 1, st.Delivered)
}

// Close stops every link goroutine at once, even with messages due much
// later, and releases receivers blocked on an inbox; the cleanup then
// checks with goleak that nothing is left running.
func TestRealCloseStopsGoroutines(t *testing.T) {
	net := newReal(t, network.Fixed(time.Hour))
	var eps []network.Endpoint
	for i := range 4 {
		eps = append(eps, net.Attach(network.NodeID(fmt.Sprintf("n%d", i)), "s", "t"))
	}
	var receivers sync.WaitGroup
	for _, ep := range eps {
		for _, st := range []network.Stream{"s", "t"} {
			in := ep.Inbox(st)
			receivers.Go(func() {
				for {
					if _, ok := in.Recv(); !ok {
						return
					}
				}
			})
			for _, to := range eps {
				require.NoError(t, ep.Send(to.ID(), st, "late"))
			}
		}
	}
	start := time.Now()
	net.Close()
	released := make(chan struct{})
	go func() { receivers.Wait(); close(released) }()
	select {
	case <-released:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not release the receivers blocked on inboxes")
	}
	require.Less(t, time.Since(start), 5*time.Second)
	require.Zero(t, net.Stats().Delivered)
	net.Close() // twice is harmless
}

// The same endpoint contract as the simulated network: an unknown stream
// is a programming error.
func TestRealUnknownStreamPanics(t *testing.T) {
	net := newReal(t, network.Fixed(0))
	a := net.Attach("a", "s")
	require.Panics(t, func() { a.Inbox("nope") })
}

// As in Sim, a send to a stream the receiver lacks is counted as such.
func TestRealCountsSendsToAMissingStream(t *testing.T) {
	net := newReal(t, network.Fixed(0))
	a, b := net.Attach("a", "s"), net.Attach("b", "s")
	require.NoError(t, a.Send("b", "other", 1))
	require.NoError(t, a.Send("b", "s", 2))
	recvWithin(t, b.Inbox("s"), 5*time.Second)
	require.Eventually(t, func() bool { return net.Stats().DroppedNoStream == 1 }, 5*time.Second, time.Millisecond)
	require.Zero(t, net.Stats().DroppedDown)
}
