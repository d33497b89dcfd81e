package eventservice_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/eventservice"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// The scenarios run one event service (node s1) and one fake collector
// (node c1) on the simulated network with a fixed 1 ms latency and no
// faults, so that every arrival time is exact. The collector sends what a
// script tells it and records everything it receives; assertions run
// after the simulation, on what was recorded.

const (
	server    wire.ServerID     = "s1"
	collector wire.ServerID     = "c1"
	cf        wire.ChangefeedID = "cf"
	latency                     = time.Millisecond
)

var (
	span1 = wire.Span{TableID: 1, StartKey: 0, EndKey: 100}
	span2 = wire.Span{TableID: 2, StartKey: 0, EndKey: 100}
	span3 = wire.Span{TableID: 3, StartKey: 0, EndKey: 100}
	ddl   = wire.Span{TableID: 0}
)

// fakeUpstream resolves every table at the current virtual time in
// milliseconds (the model's Ts unit), unless frozen, and holds a fixed
// list of changes per table.
type fakeUpstream struct {
	rt      clock.Runtime
	changes map[int64][]eventservice.Change
	frozen  map[int64]wire.Ts
}

func newFakeUpstream(rt clock.Runtime) *fakeUpstream {
	return &fakeUpstream{rt: rt, changes: map[int64][]eventservice.Change{}, frozen: map[int64]wire.Ts{}}
}

func (u *fakeUpstream) ResolvedTs(span wire.Span) wire.Ts {
	if ts, ok := u.frozen[span.TableID]; ok {
		return ts
	}
	return wire.Ts(u.rt.Now().Duration() / time.Millisecond)
}

func (u *fakeUpstream) Changes(span wire.Span, after, upto wire.Ts) []eventservice.Change {
	var out []eventservice.Change
	for _, ch := range u.changes[span.TableID] {
		if ch.CommitTs > after && ch.CommitTs <= upto {
			out = append(out, ch)
		}
	}
	return out
}

func (u *fakeUpstream) add(table int64, chs ...eventservice.Change) {
	u.changes[table] = append(u.changes[table], chs...)
	slices.SortStableFunc(u.changes[table], func(a, b eventservice.Change) int { return int(a.CommitTs) - int(b.CommitTs) })
}

func dml(ts wire.Ts) eventservice.Change {
	return eventservice.Change{Kind: eventservice.KindDML, CommitTs: ts, StartTs: ts - 1, Rows: []uint64{uint64(ts)}}
}

// received is one message as the collector got it.
type received struct {
	at   clock.Time
	from wire.ServerID
	msg  any
}

// flat is one event after unpacking batches, for assertions.
type flat struct {
	at    clock.Time
	kind  string
	id    wire.DispatcherID
	epoch uint64
	seq   uint64
	ts    wire.Ts
	env   int // index of the envelope it arrived in
}

func (f flat) String() string {
	return fmt.Sprintf("%s %s %s e%d seq=%d ts=%d", f.at, f.kind, f.id, f.epoch, f.seq, f.ts)
}

// fakeCollector plays the collector side of the protocol by script.
type fakeCollector struct {
	w        *sim.World
	id       wire.ServerID
	ep       network.Endpoint
	events   []received
	commands []received
}

func newFakeCollector(w *sim.World, id wire.ServerID, ep network.Endpoint) *fakeCollector {
	c := &fakeCollector{w: w, id: id, ep: ep}
	w.Go("collector/events", func() { c.drain(wire.StreamEvent, &c.events) })
	w.Go("collector/commands", func() { c.drain(wire.StreamCommand, &c.commands) })
	return c
}

func (c *fakeCollector) drain(st network.Stream, into *[]received) {
	for {
		env, ok := c.ep.Inbox(st).Recv()
		if !ok {
			return
		}
		*into = append(*into, received{at: c.w.Now(), from: env.From, msg: env.Msg})
	}
}

func (c *fakeCollector) send(to wire.ServerID, msg any) {
	if err := c.ep.Send(to, wire.StreamCommand, msg); err != nil {
		panic(err)
	}
}

func (c *fakeCollector) register(to wire.ServerID, id wire.DispatcherID, span wire.Span, startTs wire.Ts, onlyReuse bool) {
	c.send(to, &wire.DispatcherRequest{ChangefeedID: cf, DispatcherID: id, Span: span, ServerID: c.id,
		Action: wire.ActionRegister, StartTs: startTs, OnlyReuse: onlyReuse})
}

func (c *fakeCollector) reset(to wire.ServerID, id wire.DispatcherID, span wire.Span, epoch uint64, resetTs wire.Ts) {
	c.send(to, &wire.DispatcherRequest{ChangefeedID: cf, DispatcherID: id, Span: span, ServerID: c.id,
		Action: wire.ActionReset, StartTs: resetTs, Epoch: epoch})
}

func (c *fakeCollector) remove(to wire.ServerID, id wire.DispatcherID, span wire.Span) {
	c.send(to, &wire.DispatcherRequest{ChangefeedID: cf, DispatcherID: id, Span: span, ServerID: c.id, Action: wire.ActionRemove})
}

func (c *fakeCollector) heartbeat(to wire.ServerID, progress ...wire.DispatcherProgress) {
	c.send(to, &wire.DispatcherHeartbeat{From: c.id, Progress: progress})
}

// quota grants the changefeed quota, and dispatcher quotas as given.
func (c *fakeCollector) quota(to wire.ServerID, available uint64, dispatchers ...wire.DispatcherQuota) {
	c.send(to, &wire.CongestionControl{From: c.id, Changefeeds: []wire.ChangefeedQuota{
		{ChangefeedID: cf, Available: available, Dispatchers: dispatchers}}})
}

// flatten unpacks every event received, batches included, in arrival
// order.
func (c *fakeCollector) flatten() []flat {
	var out []flat
	for i, r := range c.events {
		add := func(kind string, id wire.DispatcherID, epoch, seq uint64, ts wire.Ts) {
			out = append(out, flat{at: r.at, kind: kind, id: id, epoch: epoch, seq: seq, ts: ts, env: i})
		}
		switch m := r.msg.(type) {
		case *wire.ReadyEvent:
			add("Ready", m.DispatcherID, 0, 0, 0)
		case *wire.NotReusableEvent:
			add("NotReusable", m.DispatcherID, 0, 0, 0)
		case *wire.HandshakeEvent:
			add("Handshake", m.DispatcherID, m.Epoch, m.Seq, m.ResolvedTs)
		case *wire.BatchDMLEvent:
			for _, d := range m.DMLs {
				add("DML", d.DispatcherID, d.Epoch, d.Seq, d.CommitTs)
			}
		case *wire.DDLEvent:
			add("DDL", m.DispatcherID, m.Epoch, m.Seq, m.FinishedTs)
		case *wire.SyncPointEvent:
			add("SyncPoint", m.DispatcherID, m.Epoch, m.Seq, m.CommitTs)
		case *wire.BatchResolvedEvent:
			for _, e := range m.Events {
				add("Resolved", e.DispatcherID, e.Epoch, e.Seq, e.ResolvedTs)
			}
		default:
			panic(fmt.Sprintf("collector got unexpected %T", r.msg))
		}
	}
	return out
}

// of keeps the events of one dispatcher, of the given kinds (all if none).
func of(events []flat, id wire.DispatcherID, kinds ...string) []flat {
	var out []flat
	for _, e := range events {
		if e.id == id && (len(kinds) == 0 || slices.Contains(kinds, e.kind)) {
			out = append(out, e)
		}
	}
	return out
}

func isData(kind string) bool { return kind == "DML" || kind == "DDL" || kind == "SyncPoint" }

// env is one scenario's world.
type env struct {
	w   *sim.World
	net *network.Sim
	up  *fakeUpstream
	svc *eventservice.Service
	col *fakeCollector
	// coordinator, if the scenario has one, records what reaches node k1.
	coord []received
}

// setup configures a scenario before it runs.
type setup struct {
	sim      sim.Config
	service  func(*eventservice.Config)
	endpoint func(network.Endpoint) network.Endpoint
	upstream func(*fakeUpstream)
	coord    bool
}

func newSetup(seed uint64) setup {
	c := sim.DefaultConfig(seed)
	c.Net.Latency = network.Fixed(latency)
	// The register-table Buggify site fires only where a test pins it.
	c.BuggifyP = 0
	c.MaxTime = 48 * time.Hour
	return setup{sim: c}
}

// run boots the scenario and runs script as the main task; it fails the
// test if the run failed, and returns the world's record for assertions.
func run(t *testing.T, s setup, script func(e *env)) *env {
	t.Helper()
	e, res := runResult(s, script)
	require.Nil(t, res.Failure, "run failed: %v", res.Failure)
	return e
}

func runResult(s setup, script func(e *env)) (*env, *sim.Result) {
	var e *env
	res := sim.Run(s.sim, func(w *sim.World) {
		e = &env{w: w, net: w.Network(), up: newFakeUpstream(w)}
		if s.upstream != nil {
			s.upstream(e.up)
		}
		w.NewNode(string(server), func() {
			var ep network.Endpoint = e.net.Attach(server, wire.StreamCommand, wire.StreamEvent)
			if s.endpoint != nil {
				ep = s.endpoint(ep)
			}
			cfg := eventservice.Config{Runtime: w, Node: server, Endpoint: ep, Upstream: e.up}
			if s.coord {
				cfg.Coordinator = "k1"
			}
			if s.service != nil {
				s.service(&cfg)
			}
			e.svc = eventservice.New(cfg)
			e.svc.Run()
		})
		w.NewNode(string(collector), func() {
			e.col = newFakeCollector(w, collector, e.net.Attach(collector, wire.StreamCommand, wire.StreamEvent))
		})
		if s.coord {
			w.NewNode("k1", func() {
				ep := e.net.Attach("k1", wire.StreamCommand, wire.StreamEvent)
				w.Go("coordinator", func() {
					for {
						env, ok := ep.Inbox(wire.StreamCommand).Recv()
						if !ok {
							return
						}
						e.coord = append(e.coord, received{at: w.Now(), from: env.From, msg: env.Msg})
					}
				})
			})
		}
		w.Sleep(time.Millisecond) // let the nodes boot
		script(e)
	})
	return e, res
}

// waitFor sleeps in 1 ms steps until cond holds, for at most limit.
func (e *env) waitFor(limit time.Duration, cond func() bool) bool {
	for end := e.w.Now().Add(limit); e.w.Now() < end; {
		if cond() {
			return true
		}
		e.w.Sleep(time.Millisecond)
	}
	return cond()
}

// count returns how many events of kind for id the collector has got.
func (e *env) count(id wire.DispatcherID, kind string) int {
	return len(of(e.col.flatten(), id, kind))
}

// activate registers id, waits for its Ready, grants quota and resets it
// to epoch 1 at resetTs: the normal one-phase add (PROTOCOL.md 3.2 a).
func (e *env) activate(id wire.DispatcherID, span wire.Span, startTs, resetTs wire.Ts) {
	e.activateWith(id, span, startTs, resetTs, true)
}

// activateWith is activate, granting the changefeed quota or not.
func (e *env) activateWith(id wire.DispatcherID, span wire.Span, startTs, resetTs wire.Ts, grant bool) {
	readies := e.count(id, "Ready")
	e.col.register(server, id, span, startTs, false)
	if !e.waitFor(time.Second, func() bool { return e.count(id, "Ready") > readies }) {
		panic(fmt.Sprintf("no Ready for %s", id))
	}
	if grant {
		e.col.quota(server, 1<<30)
	}
	e.col.reset(server, id, span, 1, resetTs)
	if !e.waitFor(time.Second, func() bool { return e.count(id, "Handshake") > 0 }) {
		panic(fmt.Sprintf("no Handshake for %s", id))
	}
}

// record returns the current (non-orphaned) record of id, if any.
func record(recs []eventservice.RecordSnapshot, id wire.DispatcherID) (eventservice.RecordSnapshot, bool) {
	for _, r := range recs {
		if r.Dispatcher == id && !r.Orphaned {
			return r, true
		}
	}
	return eventservice.RecordSnapshot{}, false
}

// checkEpochStream asserts the per-epoch stream rules the collector relies
// on (PROTOCOL.md 3.3, last paragraph; I3): a Handshake of seq 1 first,
// then data seqs 2, 3, ... with no gap, commitTs never decreasing, and
// every resolved event carrying the seq of the last data event before it
// with a non-decreasing ts.
func checkEpochStream(t *testing.T, events []flat, id wire.DispatcherID, epoch uint64) {
	t.Helper()
	var seq uint64
	var lastCommit, lastResolved wire.Ts
	for _, ev := range of(events, id) {
		if ev.epoch != epoch || ev.kind == "Ready" || ev.kind == "NotReusable" {
			continue
		}
		switch {
		case ev.kind == "Handshake":
			require.Zero(t, seq, "second handshake in epoch %d: %v", epoch, ev)
			require.Equal(t, uint64(1), ev.seq, "%v", ev)
			seq, lastResolved = 1, ev.ts
		case isData(ev.kind):
			require.NotZero(t, seq, "data before the handshake: %v", ev)
			require.Equal(t, seq+1, ev.seq, "seq gap or repeat: %v", ev)
			require.GreaterOrEqual(t, ev.ts, lastCommit, "commitTs went back: %v", ev)
			seq, lastCommit = ev.seq, ev.ts
		case ev.kind == "Resolved":
			require.Equal(t, seq, ev.seq, "resolved does not carry the last seq: %v", ev)
			require.GreaterOrEqual(t, ev.ts, lastResolved, "resolved ts went back: %v", ev)
			require.GreaterOrEqual(t, ev.ts, lastCommit, "resolved ts below a sent commitTs: %v", ev)
			lastResolved = ev.ts
		}
	}
	require.NotZero(t, seq, "no handshake in epoch %d", epoch)
}
