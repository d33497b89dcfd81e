package coordinator_test

import (
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/coordinator"
	"github.com/cdcsim/cdcsim/eventservice"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// clockUpstream resolves every table at the virtual time in milliseconds
// and has no changes: enough for subscriptions to initialise.
type clockUpstream struct{ rt clock.Runtime }

func (u clockUpstream) ResolvedTs(wire.Span) wire.Ts {
	return wire.Ts(u.rt.Now().Duration() / time.Millisecond)
}
func (u clockUpstream) Changes(wire.Span, wire.Ts, wire.Ts) []eventservice.Change { return nil }

type got struct {
	at  clock.Time
	msg any
}

// PROTOCOL.md 1.8 and 2.4, end to end on the simulated network: two event
// services upload their state to the coordinator every 10 s; a collector
// asks for reusable services for a span that s2 subscribes and s3 does
// not, and gets [s2] back on its event stream; once s2 has been down for
// more than three upload intervals it is no longer alive and the answer
// is empty. Meanwhile the coordinator broadcasts where it is every second.
func TestCoordinatorEndToEnd(t *testing.T) {
	cfg := sim.DefaultConfig(1)
	cfg.Net.Latency = network.Fixed(time.Millisecond)
	cfg.BuggifyP = 0
	var received []got
	var states []wire.EventStoreState
	var k *coordinator.Coordinator
	res := sim.Run(cfg, func(w *sim.World) {
		net := w.Network()
		nodes := []wire.ServerID{"k1", "s2", "s3", "c1"}
		w.NewNode("k1", func() {
			k = coordinator.New(coordinator.Config{Runtime: w, Node: "k1",
				Endpoint: net.Attach("k1", wire.StreamCommand, wire.StreamEvent), Nodes: nodes})
			k.Run()
		})
		services := map[wire.ServerID]*sim.Node{}
		for _, id := range []wire.ServerID{"s2", "s3"} {
			services[id] = w.NewNode(string(id), func() {
				eventservice.New(eventservice.Config{Runtime: w, Node: id, Endpoint: net.Attach(id, wire.StreamCommand, wire.StreamEvent),
					Upstream: clockUpstream{rt: w}, Coordinator: "k1"}).Run()
			})
		}
		var c1 network.Endpoint
		w.NewNode("c1", func() {
			c1 = net.Attach("c1", wire.StreamCommand, wire.StreamEvent)
			w.Go("events", func() {
				for {
					env, ok := c1.Inbox(wire.StreamEvent).Recv()
					if !ok {
						return
					}
					received = append(received, got{at: w.Now(), msg: env.Msg})
				}
			})
		})
		w.Sleep(time.Millisecond)
		must(c1.Send("s2", wire.StreamCommand, &wire.DispatcherRequest{ChangefeedID: "cf", DispatcherID: 1, Span: table1,
			ServerID: "c1", Action: wire.ActionRegister, StartTs: 1}))
		w.Sleep(11 * time.Second)
		states = k.States()
		ask := &wire.ReusableEventServiceRequest{From: "c1", ID: 5, Span: inside, StartTs: 5000}
		must(c1.Send("k1", wire.StreamCommand, ask))
		w.Sleep(time.Second)
		w.Crash(services["s2"])
		w.Sleep(44*time.Second - w.Now().Duration())
		must(c1.Send("k1", wire.StreamCommand, ask))
		w.Sleep(time.Second)
	})
	require.Nil(t, res.Failure, "%v", res.Failure)

	require.Len(t, states, 2)
	require.Equal(t, wire.ServerID("s2"), states[0].From)
	require.Len(t, states[0].Subscriptions, 1)
	require.Empty(t, states[1].Subscriptions)

	var answers []*wire.ReusableEventServiceResponse
	var broadcasts []time.Duration
	for _, r := range received {
		switch m := r.msg.(type) {
		case *wire.ReusableEventServiceResponse:
			answers = append(answers, m)
		case *wire.LogCoordinatorBroadcast:
			require.Equal(t, wire.ServerID("k1"), m.CoordinatorID)
			broadcasts = append(broadcasts, r.at.Duration())
		}
	}
	require.Len(t, answers, 2)
	require.Equal(t, &wire.ReusableEventServiceResponse{ID: 5, Nodes: []wire.ServerID{"s2"}}, answers[0])
	require.Equal(t, &wire.ReusableEventServiceResponse{ID: 5}, answers[1], "s2's last upload (at 10 s) is over 30 s old at 44 s")
	require.Equal(t, []time.Duration{1001 * time.Millisecond, 2001 * time.Millisecond, 3001 * time.Millisecond}, broadcasts[:3])
	require.Len(t, broadcasts, 44, "one a second until the run ends at 45 s; the 45 s one is still in flight")
}

// A node is alive while its last upload is at most three upload
// intervals old; before its first upload it is not.
func TestAliveFollowsUploads(t *testing.T) {
	cfg := sim.DefaultConfig(1)
	cfg.Net.Latency = network.Fixed(time.Millisecond)
	var alive []bool
	res := sim.Run(cfg, func(w *sim.World) {
		net := w.Network()
		var k *coordinator.Coordinator
		w.NewNode("k1", func() {
			k = coordinator.New(coordinator.Config{Runtime: w, Node: "k1", Endpoint: net.Attach("k1", wire.StreamCommand, wire.StreamEvent)})
			k.Run()
		})
		s2 := net.Attach("s2", wire.StreamCommand, wire.StreamEvent)
		w.Sleep(time.Millisecond)
		alive = append(alive, k.Alive("s2"))
		must(s2.Send("k1", wire.StreamCommand, &wire.EventStoreState{From: "s2"}))
		w.Sleep(30 * time.Second) // uploaded at 2 ms: alive until 30.002 s
		alive = append(alive, k.Alive("s2"))
		w.Sleep(2 * time.Millisecond)
		alive = append(alive, k.Alive("s2"))
	})
	require.Nil(t, res.Failure, "%v", res.Failure)
	require.Equal(t, []bool{false, true, false}, alive)
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// TiCDC's log coordinator forgets the event-store state of a node that
// left the cluster (logservice/coordinator/coordinator.go,
// handleNodeChange; its test TestHandleNodeChange_CleanState). The
// model's membership is upload recency: s2 uploads once, at 2 ms, and s3
// every 10 s. At 25 s both are members with their states; once s2's
// upload is over three intervals old it has left, and from the next
// broadcast round on the coordinator holds s3's state only.
// (Members, the membership itself, is checked in package conformance.)
func TestDepartedNodeStateIsForgotten(t *testing.T) {
	cfg := sim.DefaultConfig(1)
	cfg.Net.Latency = network.Fixed(time.Millisecond)
	cfg.BuggifyP = 0
	var mid, after []wire.EventStoreState
	res := sim.Run(cfg, func(w *sim.World) {
		net := w.Network()
		var k *coordinator.Coordinator
		w.NewNode("k1", func() {
			k = coordinator.New(coordinator.Config{Runtime: w, Node: "k1", Endpoint: net.Attach("k1", wire.StreamCommand, wire.StreamEvent)})
			k.Run()
		})
		s2 := net.Attach("s2", wire.StreamCommand, wire.StreamEvent)
		s3 := net.Attach("s3", wire.StreamCommand, wire.StreamEvent)
		w.Sleep(time.Millisecond)
		must(s2.Send("k1", wire.StreamCommand, &wire.EventStoreState{From: "s2"}))
		w.Go("s3/upload", func() {
			for {
				must(s3.Send("k1", wire.StreamCommand, &wire.EventStoreState{From: "s3"}))
				w.Sleep(10 * time.Second)
			}
		})
		w.Sleep(25 * time.Second)
		mid = k.States()
		w.Sleep(10 * time.Second)
		after = k.States()
	})
	require.Nil(t, res.Failure, "%v", res.Failure)
	require.Len(t, mid, 2)
	require.Len(t, after, 1, "s2's state is forgotten")
	require.Equal(t, wire.ServerID("s3"), after[0].From)
}
