package network_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// The tests in this file run network.Sim inside the simulator. Code in a
// world's tasks only records what happened; assertions run after sim.Run
// returns, on the test's own goroutine.

// runner executes a scenario in the main task of one simulated run (see
// runScenario): it drives the nodes, logs every delivery, and feeds both
// to the model.
type runner struct {
	w       *sim.World
	net     *network.Sim
	m       *model
	nodes   []*sim.Node
	simUp   []bool // the simulator node runs (it may still be down on the network)
	cur     []network.Endpoint
	stale   [][]network.Endpoint // endpoints of earlier incarnations
	cmds    []*clock.Mailbox[sendCmd]
	replies *clock.Mailbox[error]
	booted  *clock.Mailbox[int]
	log     []delivery
	checked int
	sends   int
}

// sendCmd asks a node's sender task to send: sends run on the sending
// node, as they do in the model, so a crash of that node exercises what
// the network does with the timers and messages a send left behind.
type sendCmd struct {
	ep  network.Endpoint
	to  network.NodeID
	st  network.Stream
	msg int
}

type outcome struct {
	res   *sim.Result
	m     *model
	stats network.Stats
	log   []delivery
	live  int // messages the liveness check covered
}

// runScenario executes s in one simulated run and checks every delivery
// against the model as it happens, and the run as a whole at the end.
func runScenario(s scenario) outcome {
	cfg := sim.DefaultConfig(s.Seed)
	cfg.Net = s.Faults
	m := newModel(s)
	var out outcome
	out.res = sim.Run(cfg, func(w *sim.World) {
		r := &runner{w: w, net: w.Network(), m: m,
			simUp: make([]bool, s.Nodes), cur: make([]network.Endpoint, s.Nodes), stale: make([][]network.Endpoint, s.Nodes),
			replies: clock.NewUnbounded[error](w, "replies"), booted: clock.NewUnbounded[int](w, "booted")}
		for i := range s.Nodes {
			r.cmds = append(r.cmds, clock.NewUnbounded[sendCmd](w, fmt.Sprintf("cmds n%d", i)))
		}
		for i := range s.Nodes {
			r.nodes = append(r.nodes, w.NewNode(string(nodeID(i)), r.boot(i)))
			r.simUp[i] = true
		}
		for range s.Nodes {
			r.booted.Recv()
		}
		defer func() { out.stats, out.log = r.net.Stats(), r.log }()
		for _, a := range s.Actions {
			r.exec(a)
			r.check()
			if len(m.errs) > 0 {
				return
			}
		}
		// Heal, then wait out the longest latency plus spike: clogs lift at
		// once and nothing else can hold a message back.
		r.net.Heal()
		healedAt := w.Now()
		m.heal(healedAt)
		w.Sleep(maxOf(s.Faults.Latency) + maxOf(s.Faults.Spike) + time.Millisecond)
		r.check()
		out.live = m.finish(healedAt)
		st := r.net.Stats()
		accepted := 0
		for _, msg := range m.msgs {
			if msg.err == nil {
				accepted++
			}
		}
		switch {
		case st.Delivered != uint64(len(r.log)):
			m.failf("stats: %d delivered, the inboxes gave %d", st.Delivered, len(r.log))
		case st.Sent+st.Rejected != uint64(r.sends):
			m.failf("stats: sent %d + rejected %d != %d sends", st.Sent, st.Rejected, r.sends)
		case st.Sent != uint64(accepted):
			m.failf("stats: sent %d, but %d sends returned nil", st.Sent, accepted)
		}
	})
	out.m = m
	return out
}

func (r *runner) boot(i int) func() {
	return func() {
		r.attached(i, r.net.Attach(nodeID(i), modelStreams...))
		r.w.Go("sender", func() {
			for {
				c, ok := r.cmds[i].Recv()
				if !ok {
					return
				}
				r.replies.TrySend(c.ep.Send(c.to, c.st, c.msg))
			}
		})
		r.booted.TrySend(i)
	}
}

// attached records a new incarnation of node i and starts, on the root
// node, one receiver per inbox that logs what arrives and when.
func (r *runner) attached(i int, ep network.Endpoint) {
	if r.cur[i] != nil {
		r.stale[i] = append(r.stale[i], r.cur[i])
	}
	r.cur[i] = ep
	r.m.attach(i, r.w.Now())
	inc := r.m.nodes[i].inc()
	for _, st := range modelStreams {
		in := ep.Inbox(st)
		r.w.Root().Go(fmt.Sprintf("recv n%d/%s#%d", i, st, inc), func() {
			for {
				env, ok := in.Recv()
				if !ok {
					return
				}
				r.log = append(r.log, delivery{at: r.w.Now(), node: i, inc: inc, env: env})
			}
		})
	}
}

func (r *runner) check() {
	for ; r.checked < len(r.log); r.checked++ {
		r.m.delivered(r.log[r.checked])
	}
}

func (r *runner) exec(a action) {
	w, m, now := r.w, r.m, r.w.Now()
	switch a.Kind {
	case actSend, actSendStale:
		stale := a.Kind == actSendStale && len(r.stale[a.A]) > 0
		msg := m.newMsg(a.A, a.B, a.Stream, now)
		var err error
		switch {
		case stale:
			err = r.stale[a.A][msg.payload%len(r.stale[a.A])].Send(nodeID(a.B), msg.stream, msg.payload)
		case r.simUp[a.A]:
			r.cmds[a.A].TrySend(sendCmd{ep: r.cur[a.A], to: nodeID(a.B), st: msg.stream, msg: msg.payload})
			err, _ = r.replies.Recv()
		default: // the node's tasks are dead: send on its endpoint from here
			err = r.cur[a.A].Send(nodeID(a.B), msg.stream, msg.payload)
		}
		r.sends++
		m.sent(msg, err, stale || !m.nodes[a.A].up)
	case actSendUnknown:
		r.sends++
		if err := r.cur[a.A].Send("ghost", modelStreams[0], -1); !errors.Is(err, network.ErrUnreachable) {
			m.failf("send to an unknown node: got %v, want ErrUnreachable", err)
		}
	case actPartition:
		r.net.Partition(nodeID(a.A), nodeID(a.B), a.D)
		m.addCut(a.A, a.B, now, a.D)
		m.addCut(a.B, a.A, now, a.D)
	case actOneWay:
		r.net.PartitionOneWay(nodeID(a.A), nodeID(a.B), a.D)
		m.addCut(a.A, a.B, now, a.D)
	case actIsolate:
		r.net.Isolate(nodeID(a.A), a.D)
		for o := range m.nodes {
			if o != a.A {
				m.addCut(a.A, o, now, a.D)
				m.addCut(o, a.A, now, a.D)
			}
		}
	case actClog:
		r.net.Clog(nodeID(a.A), a.D)
		m.addClog(a.A, now, a.D)
	case actHeal:
		r.net.Heal()
		m.heal(now)
	case actCrash:
		switch {
		case a.Sim && r.simUp[a.A]:
			w.Crash(r.nodes[a.A]) // marks it down on the network too
			r.simUp[a.A] = false
		case !a.Sim:
			r.net.SetDown(nodeID(a.A))
		}
		m.down(a.A, now)
	case actRestart:
		if !r.simUp[a.A] {
			w.Restart(r.nodes[a.A]) // its boot attaches again
			r.simUp[a.A] = true
			r.booted.Recv()
		} else {
			r.attached(a.A, r.net.Attach(nodeID(a.A), modelStreams...))
		}
	case actSleep:
		w.Sleep(a.D)
	}
}

// TestSimMatchesReachabilityModel is the state-machine test: random
// sends, partitions, clogs, heals, crashes and restarts on 2-4 nodes under
// random per-message faults, every delivery checked against the model as
// it happens (see model_test.go), and at the end a liveness check: after a
// final Heal and a drain, every message that nothing could have dropped
// (DropP = 0 at send, path open at send, neither end restarted since, no
// cut on its path at any time between send and the heal) was delivered.
func TestSimMatchesReachabilityModel(t *testing.T) {
	var runs, delivered, live, dups, refused, closed int
	rapid.Check(t, func(rt *rapid.T) {
		s := drawScenario(rt)
		out := runScenario(s)
		if out.res.Failure != nil {
			rt.Fatalf("the run failed: %s\n%v", out.res.Failure.Report(), s)
		}
		if errs := out.m.errs; len(errs) > 0 {
			rt.Fatalf("%s\n%v", strings.Join(errs[:min(len(errs), 5)], "\n"), s)
		}
		runs++
		delivered += len(out.log)
		live += out.live
		dups += int(out.stats.Duplicated)
		refused += int(out.stats.Rejected)
		for _, msg := range out.m.msgs {
			if msg.err == nil && !msg.open {
				closed++
			}
		}
	})
	t.Logf("%d runs: %d deliveries, %d messages under the liveness check, %d duplicated, %d refused, %d sent on a closed path",
		runs, delivered, live, dups, refused, closed)
	// The checks above are vacuous if nothing happens: make sure the
	// generator reaches every kind of outcome.
	if runs >= 50 {
		require.Positive(t, delivered)
		require.Positive(t, live)
		require.Positive(t, dups)
		require.Positive(t, refused)
		require.Positive(t, closed)
	}
}

// world runs body as the main task of a simulated run with faults f and
// fails the test if the run fails.
func world(t *testing.T, f network.Faults, body func(w *sim.World, net *network.Sim)) {
	t.Helper()
	cfg := sim.DefaultConfig(1)
	cfg.Net = f
	res := sim.Run(cfg, func(w *sim.World) { body(w, w.Network()) })
	require.Nil(t, res.Failure, "%v", res.Failure)
}

// clean returns faults with a fixed latency and nothing else.
func clean(lat network.Dist) network.Faults {
	f, _ := network.PresetFaults(network.PresetNone)
	f.Latency = lat
	return f
}

// got is a delivery seen by a receiver: the message and its time.
type got struct {
	msg any
	at  clock.Time
}

// receive starts a task that logs every message arriving in in.
func receive(w *sim.World, in *clock.Mailbox[network.Envelope], into *[]got) {
	w.Go("receiver", func() {
		for {
			env, ok := in.Recv()
			if !ok {
				return
			}
			*into = append(*into, got{env.Msg, w.Now()})
		}
	})
}

func msgs(gs []got) []any {
	out := make([]any, len(gs))
	for i, g := range gs {
		out[i] = g.msg
	}
	return out
}

func seq(lo, hi int) []any {
	var out []any
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}

// Latency on the wire stays within the distribution's bounds: with FIFO
// stacking a message can wait for the one before it, but that one was
// sent earlier with the same bound.
func TestSimLatencyWithinBounds(t *testing.T) {
	for _, tc := range []struct {
		lat    network.Dist
		lo, hi time.Duration
	}{
		{network.Fixed(7 * time.Millisecond), 7 * time.Millisecond, 7 * time.Millisecond},
		{network.Uniform(2*time.Millisecond, 9*time.Millisecond), 2 * time.Millisecond, 9 * time.Millisecond},
		{network.LongTail(time.Millisecond, 30*time.Millisecond), 0, 30 * time.Millisecond},
	} {
		t.Run(tc.lat.String(), func(t *testing.T) {
			var sentAt []clock.Time
			var rcv []got
			world(t, clean(tc.lat), func(w *sim.World, net *network.Sim) {
				a, b := net.Attach("a", "s"), net.Attach("b", "s")
				receive(w, b.Inbox("s"), &rcv)
				for i := range 300 {
					sentAt = append(sentAt, w.Now())
					if err := a.Send("b", "s", i); err != nil {
						panic(err)
					}
					w.Sleep(time.Duration(i%3) * time.Millisecond)
				}
				w.Sleep(time.Second)
			})
			require.Equal(t, seq(0, 300), msgs(rcv))
			var spread []time.Duration
			for i, g := range rcv {
				d := g.at.Sub(sentAt[i])
				require.GreaterOrEqual(t, d, tc.lo, "message %d", i)
				require.LessOrEqual(t, d, tc.hi, "message %d", i)
				spread = append(spread, d)
			}
			if tc.lo != tc.hi {
				require.NotEqual(t, spread[0], spread[len(spread)-1], "latencies should vary")
			}
		})
	}
}

// A send fails synchronously, with an error to test with errors.Is, in
// the cases TiCDC's message center fails one; the failed message is never
// delivered, and the network counts it as rejected.
func TestSimSyncSendErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults func(*network.Faults)
		// send runs on an attached a and b and returns the error to check.
		send    func(w *sim.World, net *network.Sim, a network.Endpoint) error
		want    error
		contain string
	}{
		{name: "unknown node", want: network.ErrUnreachable, contain: "unknown node",
			send: func(_ *sim.World, _ *network.Sim, a network.Endpoint) error { return a.Send("ghost", "s", "x") }},
		{name: "sender down", want: network.ErrUnreachable, contain: "a->b",
			send: func(_ *sim.World, net *network.Sim, a network.Endpoint) error {
				net.SetDown("a")
				return a.Send("b", "s", "x")
			}},
		{name: "stale endpoint", want: network.ErrUnreachable, contain: "a->b",
			send: func(_ *sim.World, net *network.Sim, a network.Endpoint) error {
				net.Attach("a", "s")
				return a.Send("b", "s", "x")
			}},
		{name: "link capacity", want: network.ErrCongested, contain: "a->b/s",
			faults: func(f *network.Faults) { f.LinkCapacity = 3 },
			send: func(_ *sim.World, _ *network.Sim, a network.Endpoint) error {
				for i := range 3 {
					if err := a.Send("b", "s", i); err != nil {
						return fmt.Errorf("send %d of 3: %w", i, err)
					}
				}
				return a.Send("b", "s", "x")
			}},
		{name: "congested", want: network.ErrCongested, contain: "a->b/s",
			faults: func(f *network.Faults) { f.CongestedP = 1 },
			send:   func(_ *sim.World, _ *network.Sim, a network.Endpoint) error { return a.Send("b", "s", "x") }},
		{name: "not ready", want: network.ErrNotReady, contain: "a->b/s",
			faults: func(f *network.Faults) { f.NotReadyP = 1 },
			send:   func(_ *sim.World, _ *network.Sim, a network.Endpoint) error { return a.Send("b", "s", "x") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := clean(network.Fixed(time.Second))
			if tc.faults != nil {
				tc.faults(&f)
			}
			var err error
			var rcv []got
			var st network.Stats
			world(t, f, func(w *sim.World, net *network.Sim) {
				a, b := net.Attach("a", "s"), net.Attach("b", "s")
				receive(w, b.Inbox("s"), &rcv)
				err = tc.send(w, net, a)
				w.Sleep(2 * time.Second)
				st = net.Stats()
			})
			require.ErrorIs(t, err, tc.want)
			for _, other := range []error{network.ErrUnreachable, network.ErrCongested, network.ErrNotReady} {
				if other != tc.want {
					require.NotErrorIs(t, err, other)
				}
			}
			require.ErrorContains(t, err, tc.contain)
			require.NotContains(t, msgs(rcv), "x")
			require.EqualValues(t, 1, st.Rejected)
		})
	}
}

// A full link refuses only its own stream, and accepts again once it
// drains.
func TestSimLinkCapacityIsPerStreamAndRecovers(t *testing.T) {
	f := clean(network.Fixed(100 * time.Millisecond))
	f.LinkCapacity = 2
	var errs []error
	var rcv []got
	world(t, f, func(w *sim.World, net *network.Sim) {
		a := net.Attach("a", "s", "t")
		b := net.Attach("b", "s", "t")
		receive(w, b.Inbox("s"), &rcv)
		receive(w, b.Inbox("t"), &rcv)
		errs = append(errs, a.Send("b", "s", 0), a.Send("b", "s", 1), a.Send("b", "s", 2), a.Send("b", "t", 3))
		w.Sleep(150 * time.Millisecond)
		errs = append(errs, a.Send("b", "s", 4))
		w.Sleep(150 * time.Millisecond)
	})
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	require.ErrorIs(t, errs[2], network.ErrCongested)
	require.NoError(t, errs[3])
	require.NoError(t, errs[4])
	require.ElementsMatch(t, []any{0, 1, 3, 4}, msgs(rcv))
}

// Messages in flight to a node that goes down and comes back are not
// delivered to the new incarnation, however it went down: marked down on
// the network, attached again while up, or crashed and restarted in the
// simulator. Messages sent after the restart arrive.
func TestSimCrashDropsMessagesToTheOldIncarnation(t *testing.T) {
	for _, how := range []string{"setdown", "reattach", "sim-crash"} {
		t.Run(how, func(t *testing.T) {
			byInc := map[int][]any{} // what each incarnation of b received
			var st network.Stats
			var oldClosed bool
			world(t, clean(network.Fixed(10*time.Millisecond)), func(w *sim.World, net *network.Sim) {
				a := net.Attach("a", "s")
				inc := 0
				var first network.Endpoint
				attach := func() {
					ep := net.Attach("b", "s")
					if first == nil {
						first = ep
					}
					me := inc
					in := ep.Inbox("s")
					w.Root().Go("receiver", func() {
						for {
							env, ok := in.Recv()
							if !ok {
								return
							}
							byInc[me] = append(byInc[me], env.Msg)
						}
					})
					inc++
				}
				b := w.NewNode("b", attach)
				w.Yield()
				w.Sleep(time.Millisecond)
				for i := range 3 {
					if err := a.Send("b", "s", i); err != nil {
						panic(err)
					}
				}
				w.Sleep(5 * time.Millisecond)
				switch how {
				case "setdown":
					net.SetDown("b")
					w.Sleep(time.Millisecond)
					attach()
				case "reattach":
					attach()
				case "sim-crash":
					w.Crash(b)
					w.Sleep(time.Millisecond)
					w.Restart(b)
					w.Yield()
				}
				w.Sleep(time.Millisecond)
				if err := a.Send("b", "s", 3); err != nil {
					panic(err)
				}
				w.Sleep(time.Second)
				st = net.Stats()
				oldClosed = first.Inbox("s").Closed()
			})
			require.Empty(t, byInc[0], "the old incarnation got messages after going down")
			require.Equal(t, []any{3}, byInc[1])
			require.EqualValues(t, 3, st.DroppedDown)
			require.True(t, oldClosed, "the old incarnation's inbox stays closed")
		})
	}
}

// A sender that crashes and restarts in the simulator keeps working: its
// new incarnation's messages arrive, and so do those the old one had in
// flight, like packets already on the wire. (The link's delivery timer is
// created by the first send; if it belonged to the sender's node it would
// die in the crash and the link would never deliver again.)
func TestSimSenderCrashAndRestart(t *testing.T) {
	var rcv []got
	var st network.Stats
	world(t, clean(network.Fixed(10*time.Millisecond)), func(w *sim.World, net *network.Sim) {
		b := net.Attach("b", "s")
		receive(w, b.Inbox("s"), &rcv)
		var a *sim.Node
		a = w.NewNode("a", func() {
			ep := net.Attach("a", "s")
			inc := int(a.Incarnation())
			w.Go("sender", func() {
				for i := range 3 {
					if err := ep.Send("b", "s", fmt.Sprintf("inc%d-%d", inc, i)); err != nil {
						panic(err)
					}
					w.Sleep(20 * time.Millisecond)
				}
			})
		})
		w.Sleep(25 * time.Millisecond) // inc0-0 arrived, inc0-1 in flight
		w.Crash(a)
		w.Sleep(50 * time.Millisecond)
		w.Restart(a)
		w.Sleep(time.Second)
		st = net.Stats()
	})
	require.Equal(t, []any{"inc0-0", "inc0-1", "inc1-0", "inc1-1", "inc1-2"}, msgs(rcv))
	require.Zero(t, st.DroppedDown)
}

// A clog holds every message to and from its node, in order, then the
// link drains at the moment it lifts; other links are untouched.
func TestSimClogHoldsThenDrainsInOrder(t *testing.T) {
	var toB, fromB, toC []got
	var atHalf [3]int
	world(t, clean(network.Fixed(time.Millisecond)), func(w *sim.World, net *network.Sim) {
		a, b, c := net.Attach("a", "s"), net.Attach("b", "s"), net.Attach("c", "s")
		receive(w, b.Inbox("s"), &toB)
		receive(w, c.Inbox("s"), &toC)
		in := a.Inbox("s")
		w.Go("a-receiver", func() {
			for {
				env, ok := in.Recv()
				if !ok {
					return
				}
				if env.From == "b" {
					fromB = append(fromB, got{env.Msg, w.Now()})
				}
			}
		})
		net.Clog("b", time.Second)
		for i := range 10 {
			_ = a.Send("b", "s", i)
			_ = b.Send("a", "s", i)
			_ = a.Send("c", "s", i)
			w.Sleep(time.Millisecond)
		}
		w.Sleep(490 * time.Millisecond)
		atHalf = [3]int{len(toB), len(fromB), len(toC)}
		w.Sleep(time.Second)
	})
	require.Equal(t, [3]int{0, 0, 10}, atHalf, "held to b, held from b, free to c")
	require.Equal(t, seq(0, 10), msgs(toB))
	require.Equal(t, seq(0, 10), msgs(fromB))
	for _, g := range append(toB, fromB...) {
		require.Equal(t, clock.Time(time.Second), g.at, "drained when the clog lifted")
	}
}

// Heal lifts a clog at once, whether it was for a time or until Heal,
// and the held messages are delivered at the instant of the heal.
func TestSimHealReleasesClog(t *testing.T) {
	for _, d := range []time.Duration{0, time.Hour} {
		t.Run(d.String(), func(t *testing.T) {
			var rcv []got
			var before int
			var rulesBefore, rulesAfter string
			world(t, clean(network.Fixed(time.Millisecond)), func(w *sim.World, net *network.Sim) {
				a, b := net.Attach("a", "s"), net.Attach("b", "s")
				receive(w, b.Inbox("s"), &rcv)
				net.Clog("b", d)
				for i := range 5 {
					_ = a.Send("b", "s", i)
				}
				w.Sleep(10 * time.Second)
				before, rulesBefore = len(rcv), net.String()
				net.Heal()
				w.Sleep(time.Millisecond)
				rulesAfter = net.String()
			})
			require.Zero(t, before, "the clog held nothing back (rules: %s)", rulesBefore)
			require.Equal(t, seq(0, 5), msgs(rcv))
			for _, g := range rcv {
				require.Equal(t, clock.Time(10*time.Second), g.at)
			}
			require.Equal(t, "rules[]", rulesAfter)
		})
	}
}

// A one-way partition blocks one direction only, and cuts off messages
// already in flight in that direction; it ends on time.
func TestSimPartitionOneWay(t *testing.T) {
	var ab, ba []got
	var st network.Stats
	world(t, clean(network.Fixed(50*time.Millisecond)), func(w *sim.World, net *network.Sim) {
		a, b := net.Attach("a", "s"), net.Attach("b", "s")
		receive(w, b.Inbox("s"), &ab)
		receive(w, a.Inbox("s"), &ba)
		_ = a.Send("b", "s", "in-flight") // due at 50ms, when the cut is on
		w.Sleep(10 * time.Millisecond)
		net.PartitionOneWay("a", "b", 100*time.Millisecond) // until 110ms
		_ = a.Send("b", "s", "blocked")
		_ = b.Send("a", "s", "reverse")
		w.Sleep(100 * time.Millisecond)
		_ = a.Send("b", "s", "after")
		w.Sleep(time.Second)
		st = net.Stats()
	})
	require.Equal(t, []any{"after"}, msgs(ab))
	require.Equal(t, []any{"reverse"}, msgs(ba))
	require.EqualValues(t, 2, st.DroppedCut)
}

// A two-way partition blocks both directions between its pair only;
// Isolate cuts a node off from every other.
func TestSimPartitionAndIsolate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		apply   func(net *network.Sim)
		blocked []string
	}{
		{"partition", func(net *network.Sim) { net.Partition("a", "b", 0) }, []string{"a->b", "b->a"}},
		{"isolate", func(net *network.Sim) { net.Isolate("c", 0) }, []string{"a->c", "b->c", "c->a", "c->b"}},
		{"none", func(*network.Sim) {}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rcv []got
			world(t, clean(network.Fixed(time.Millisecond)), func(w *sim.World, net *network.Sim) {
				names := []network.NodeID{"a", "b", "c"}
				var eps []network.Endpoint
				for _, n := range names {
					ep := net.Attach(n, "s")
					eps = append(eps, ep)
					receive(w, ep.Inbox("s"), &rcv)
				}
				tc.apply(net)
				for i, from := range names {
					for _, to := range names {
						if from != to {
							_ = eps[i].Send(to, "s", fmt.Sprintf("%s->%s", from, to))
						}
					}
				}
				w.Sleep(time.Second)
			})
			var want []any
			for _, p := range []string{"a->b", "a->c", "b->a", "b->c", "c->a", "c->b"} {
				if !strings.Contains(strings.Join(tc.blocked, " "), p) {
					want = append(want, p)
				}
			}
			require.ElementsMatch(t, want, msgs(rcv))
		})
	}
}

// Rules print themselves, for the configuration block and the trace, and
// say what they block and hold.
func TestRuleStringsAndSemantics(t *testing.T) {
	s := clock.Time(time.Second)
	for _, tc := range []struct {
		rule  network.Rule
		str   string
		block [2]network.NodeID // blocked at 0
		hold  [2]network.NodeID // held at 0
		until clock.Time        // what Holds returns for hold
	}{
		{rule: network.Cut{From: "a", To: "b"}, str: "cut(a->b, until heal)", block: [2]network.NodeID{"a", "b"}},
		{rule: network.Cut{From: "a", To: "b", End: network.Until(1500 * time.Millisecond)}, str: "cut(a->b, until 1.500000000s)", block: [2]network.NodeID{"a", "b"}},
		{rule: network.Clog{Node: "n"}, str: "clog(n, until heal)", hold: [2]network.NodeID{"x", "n"}},
		{rule: network.Clog{Node: "n", End: network.Until(2 * time.Second)}, str: "clog(n, until 2.000000000s)", hold: [2]network.NodeID{"n", "x"}, until: 2 * s},
	} {
		t.Run(tc.str, func(t *testing.T) {
			r := tc.rule
			require.Equal(t, tc.str, r.String())
			require.False(t, r.Expired(0))
			if tc.block[0] != "" {
				require.True(t, r.Blocks(tc.block[0], tc.block[1], 0))
				require.False(t, r.Blocks(tc.block[1], tc.block[0], 0), "a cut is one-way")
				require.False(t, r.Blocks(tc.block[0], "other", 0))
			}
			if tc.hold[0] != "" {
				require.False(t, r.Blocks(tc.hold[0], tc.hold[1], 0), "a clog holds, it does not block")
				h := r.Holds(tc.hold[0], tc.hold[1], 0)
				require.Greater(t, h, clock.Time(0), "held")
				if tc.until != 0 {
					require.Equal(t, tc.until, h)
				}
				require.Zero(t, r.Holds("x", "y", 0), "other links are not held")
			} else {
				require.Zero(t, r.Holds("a", "b", 0), "a cut holds nothing")
			}
			if strings.Contains(tc.str, "until heal") {
				require.False(t, r.Expired(clock.Time(1e18)), "until heal never expires")
			} else {
				require.True(t, r.Expired(clock.Time(10*time.Second)))
				require.False(t, r.Blocks("a", "b", clock.Time(10*time.Second)))
				require.Zero(t, r.Holds("n", "x", clock.Time(10*time.Second)))
			}
		})
	}

	var during, after, healed string
	var rules []network.Rule
	world(t, clean(network.Fixed(time.Millisecond)), func(w *sim.World, net *network.Sim) {
		net.Attach("a")
		net.Attach("b")
		net.Partition("a", "b", time.Second)
		net.Clog("a", 0)
		during, rules = net.String(), net.Rules()
		w.Sleep(time.Second)
		after = net.String()
		net.Heal()
		healed = net.String()
	})
	require.Equal(t, "rules[cut(a->b, until 1.000000000s) cut(b->a, until 1.000000000s) clog(a, until heal)]", during)
	require.Len(t, rules, 3)
	require.Equal(t, "rules[clog(a, until heal)]", after, "expired cuts are dropped")
	require.Equal(t, "rules[]", healed)
}

// The same seed gives the same fates; another seed, other ones.
func TestSimIsDeterministic(t *testing.T) {
	faults, err := network.PresetFaults(network.PresetHarsh)
	require.NoError(t, err)
	run := func(seed uint64) (network.Stats, []got, uint64) {
		var st network.Stats
		var rcv []got
		cfg := sim.DefaultConfig(seed)
		cfg.Net = faults
		res := sim.Run(cfg, func(w *sim.World) {
			net := w.Network()
			a, b := net.Attach("a", "s"), net.Attach("b", "s")
			receive(w, b.Inbox("s"), &rcv)
			for i := range 500 {
				_ = a.Send("b", "s", i)
				w.Sleep(time.Millisecond)
			}
			w.Sleep(5 * time.Second)
			st = net.Stats()
		})
		require.Nil(t, res.Failure)
		return st, rcv, res.Hash
	}
	st1, rcv1, h1 := run(7)
	st2, rcv2, h2 := run(7)
	require.Equal(t, st1, st2)
	require.Equal(t, rcv1, rcv2)
	require.Equal(t, h1, h2)
	st3, _, h3 := run(8)
	require.NotEqual(t, h1, h3)
	require.NotEqual(t, st1, st3)
	require.Positive(t, st1.DroppedRandom)
	require.Positive(t, st1.Duplicated)
}

// A send to a stream the receiver never attached is accepted and lost,
// and counted as such, not as a down receiver.
func TestSimCountsSendsToAMissingStream(t *testing.T) {
	var st network.Stats
	world(t, clean(network.Fixed(time.Millisecond)), func(w *sim.World, net *network.Sim) {
		a, _ := net.Attach("a", "s"), net.Attach("b", "s")
		require.NoError(t, a.Send("b", "other", 1))
		w.Sleep(time.Second)
		st = net.Stats()
	})
	require.Equal(t, network.Stats{Sent: 1, DroppedNoStream: 1}, st)
}
