package collector

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// The cast of every scenario. The collector under test runs on node L
// ("c1"), which is also the ID of its own event service. S2 and S3 are
// remote event services and CO the log coordinator: fake nodes on the
// simulated network that record what they receive. L's event service is
// faked inside the collector's endpoint (testEndpoint), because in the
// real cluster it shares the node's endpoint (cluster/endpoint.go) and a
// DispatcherRequest arriving in the collector's own command inbox would
// be a routing error.
const (
	L  wire.ServerID = "c1"
	S2 wire.ServerID = "s2"
	S3 wire.ServerID = "s3"
	CO wire.ServerID = "co"

	cf      wire.ChangefeedID = "cf"
	startTs wire.Ts           = 100
	// settle is long enough for a message to cross the simulated network
	// (PresetNone latency is at most 2 ms) and for every task to act on it.
	settle = 20 * time.Millisecond
)

// fakes are the fake nodes every scenario attaches, in attach order.
func fakes() []wire.ServerID { return []wire.ServerID{S2, S3, CO} }

// sendRecord is one Send the collector attempted, successful or not, in
// the order it attempted them.
type sendRecord struct {
	At     clock.Time
	To     wire.ServerID
	Stream network.Stream
	Msg    any
	Err    error
}

// delivery is one message that reached an event service or the
// coordinator: for L at the moment the collector sent it (L's service is
// in-process), for a fake node when its command inbox received it.
type delivery struct {
	At  clock.Time
	To  wire.ServerID
	Msg any
}

// harness is one scenario's world: the collector on L, the fake nodes and
// the logs of what crossed the collector's boundary. Every field is
// written by simulator tasks, which run one at a time; the test reads the
// logs after the run ends (require must not run on a simulator task).
type harness struct {
	w   *sim.World
	cfg Config
	c   *EventCollector
	ep  network.Endpoint                   // L's real endpoint
	eps map[wire.ServerID]network.Endpoint // the fake nodes' endpoints
	// fail, if set, is asked before each send of the collector; a non-nil
	// error makes the send fail with it and the message is not sent.
	fail func(to wire.ServerID, msg any) error

	sends []sendRecord
	recv  []delivery
	// errs are problems the scenario body hit (a fake node's send failed),
	// reported by the test after the run.
	errs []string
}

// testEndpoint is the collector's endpoint: the network for remote nodes,
// L's (fake) event service for requests, heartbeats and congestion
// control addressed to L, and the real inboxes for receiving.
type testEndpoint struct {
	h     *harness
	inner network.Endpoint
}

func (e *testEndpoint) ID() network.NodeID { return e.inner.ID() }

func (e *testEndpoint) Inbox(st network.Stream) *clock.Mailbox[network.Envelope] {
	return e.inner.Inbox(st)
}

func (e *testEndpoint) Send(to network.NodeID, st network.Stream, msg any) error {
	h := e.h
	var err error
	if h.fail != nil {
		err = h.fail(to, msg)
	}
	if err == nil {
		if to == L && forLocalService(msg) {
			h.recv = append(h.recv, delivery{At: h.w.Now(), To: L, Msg: msg})
		} else {
			err = e.inner.Send(to, st, msg)
		}
	}
	h.sends = append(h.sends, sendRecord{At: h.w.Now(), To: to, Stream: st, Msg: msg, Err: err})
	return err
}

// forLocalService says whether msg is for L's event service, which would
// take it from the node's shared endpoint (cluster/endpoint.go roleOf).
func forLocalService(msg any) bool {
	switch msg.(type) {
	case *wire.DispatcherRequest, *wire.DispatcherHeartbeat, *wire.CongestionControl:
		return true
	}
	return false
}

// options shape a scenario: the seed, the simulator's configuration (its
// network faults) and the collector's.
type options struct {
	seed      uint64
	simConfig func(*sim.Config)
	config    func(*Config)
	// trace, if set, receives the run's text trace (for debugging).
	trace io.Writer
}

// scenario runs body as the main task of a simulated run, after the
// collector and the fake nodes are up, and returns the harness and the
// result. The run ends when body returns.
func scenario(o options, body func(h *harness)) (*harness, *sim.Result) {
	seed := o.seed
	if seed == 0 {
		seed = 1
	}
	scfg := sim.DefaultConfig(seed)
	if o.simConfig != nil {
		o.simConfig(&scfg)
	}
	h := &harness{eps: map[wire.ServerID]network.Endpoint{}}
	w := sim.New(scfg)
	if o.trace != nil {
		w.TraceTo(o.trace)
	}
	res := w.Run(func() {
		h.w = w
		for _, id := range fakes() {
			ep := w.Network().Attach(id, wire.StreamCommand, wire.StreamEvent)
			h.eps[id] = ep
			w.Go("fake/"+string(id), func() { h.serveFake(id, ep) })
		}
		w.NewNode(string(L), func() {
			ep := w.Network().Attach(L, wire.StreamCommand, wire.StreamEvent)
			cfg := DefaultConfig(w, L, &testEndpoint{h: h, inner: ep})
			cfg.Trace = w.TraceFunc()
			if o.config != nil {
				o.config(&cfg)
			}
			h.ep, h.cfg = ep, cfg
			h.c = New(cfg)
			h.c.Run()
		})
		for h.c == nil {
			w.Yield()
		}
		body(h)
	})
	return h, res
}

// run is scenario for runs that must pass.
func run(t *testing.T, o options, body func(h *harness)) *harness {
	t.Helper()
	h, res := scenario(o, body)
	requirePassed(t, res)
	require.Empty(t, h.errs)
	return h
}

// requirePassed fails the test with the run's failure report, if any.
func requirePassed(t *testing.T, res *sim.Result) {
	t.Helper()
	if res.Failure != nil {
		require.Failf(t, "run failed", "seed %d: %s", res.Config.Seed, res.Failure.Report())
	}
}

// serveFake records every command a fake node receives.
func (h *harness) serveFake(id wire.ServerID, ep network.Endpoint) {
	in := ep.Inbox(wire.StreamCommand)
	for {
		env, ok := in.Recv()
		if !ok {
			return
		}
		h.recv = append(h.recv, delivery{At: h.w.Now(), To: id, Msg: env.Msg})
	}
}

// settle lets messages in flight arrive and every task act on them.
func (h *harness) settle() { h.w.Sleep(settle) }

// sleepUntil sleeps until virtual time at.
func (h *harness) sleepUntil(at time.Duration) {
	if d := at - h.w.Now().Duration(); d > 0 {
		h.w.Sleep(d)
	}
}

// send sends msg from node `from` to the collector. From L it goes
// straight into the collector's inbox, as L's in-process event service
// would hand it over; from a fake node it crosses the network.
func (h *harness) send(from wire.ServerID, st network.Stream, msg any) {
	if from == L {
		h.ep.Inbox(st).Send(network.Envelope{From: L, To: L, Stream: st, Msg: msg})
		return
	}
	if err := h.eps[from].Send(L, st, msg); err != nil {
		h.errs = append(h.errs, fmt.Sprintf("%s: send %v: %v", h.w.Now(), msg, err))
	}
}

// events sends events from an event service to the collector, in order.
func (h *harness) events(from wire.ServerID, evs ...wire.Event) {
	for _, ev := range evs {
		h.send(from, wire.StreamEvent, ev)
	}
}

// broadcastCoordinator tells the collector where the log coordinator is.
func (h *harness) broadcastCoordinator() {
	h.send(CO, wire.StreamEvent, &wire.LogCoordinatorBroadcast{CoordinatorID: CO})
}

// answer is the log coordinator's answer for a dispatcher.
func (h *harness) answer(id wire.DispatcherID, nodes ...wire.ServerID) {
	h.send(CO, wire.StreamEvent, &wire.ReusableEventServiceResponse{ID: id, Nodes: nodes})
}

// removed is an event service's heartbeat response saying it no longer
// has the dispatchers.
func (h *harness) removed(from wire.ServerID, ids ...wire.DispatcherID) {
	resp := &wire.DispatcherHeartbeatResponse{From: from}
	for _, id := range ids {
		resp.States = append(resp.States, wire.DispatcherStateEntry{DispatcherID: id, State: wire.StateRemoved})
	}
	h.send(from, wire.StreamCommand, resp)
}

// snapshot returns a dispatcher's session state; Removed if it is gone.
func (h *harness) snapshot(id wire.DispatcherID) sessionView {
	st, ok := h.c.Stat(id)
	if !ok {
		return sessionView{Gone: true}
	}
	s := st.Snapshot()
	return sessionView{State: s.State(L), Current: s.CurrentEventServiceID, Pending: s.PendingRemoteEventServiceID,
		Candidates: s.RemoteCandidates, Epoch: s.Epoch, LastEventSeq: s.LastEventSeq, MaxEventTs: s.MaxEventTs}
}

// sessionView is the part of a session.Snapshot the scenarios look at.
type sessionView struct {
	Gone         bool
	State        string
	Current      wire.ServerID
	Pending      wire.ServerID
	Candidates   []wire.ServerID
	Epoch        uint64
	LastEventSeq uint64
	MaxEventTs   wire.Ts
}

// onLocal adds tg and brings it onto L: REGISTER(L), Ready from L, which
// resets it to epoch 1 (T3), and the epoch's handshake. The handshake's
// ts is the RESET's, as L's service would send it.
func (h *harness) onLocal(tg *fakeTarget, quota uint64) {
	h.c.AddDispatcher(tg, quota)
	h.settle()
	h.events(L, &wire.ReadyEvent{DispatcherID: tg.id})
	h.settle()
	h.handshake(L, tg.id)
}

// onRemote adds tg and brings it onto the remote service s: the
// coordinator's answer starts a probe of s (T2), s's Ready makes it
// current and resets it to epoch 1 (T4'), then the epoch's handshake.
// L's Ready never comes, so L stays pending.
func (h *harness) onRemote(tg *fakeTarget, quota uint64, s wire.ServerID) {
	h.c.AddDispatcher(tg, quota)
	h.settle()
	h.answer(tg.id, s)
	h.settle()
	h.events(s, &wire.ReadyEvent{DispatcherID: tg.id})
	h.settle()
	h.handshake(s, tg.id)
}

// handshake sends, from s, the handshake of the dispatcher's latest RESET
// (epoch and ts as the service would set them).
func (h *harness) handshake(s wire.ServerID, id wire.DispatcherID) {
	r := h.lastReset(id)
	if r == nil {
		h.errs = append(h.errs, fmt.Sprintf("%s: no RESET of %s to handshake", h.w.Now(), id))
		return
	}
	h.events(s, &wire.HandshakeEvent{DispatcherID: id, Epoch: r.Epoch, Seq: 1, ResolvedTs: r.StartTs})
	h.settle()
}

// lastReset is the last RESET of id that reached a service.
func (h *harness) lastReset(id wire.DispatcherID) *wire.DispatcherRequest {
	var last *wire.DispatcherRequest
	for _, d := range h.recv {
		if r, ok := d.Msg.(*wire.DispatcherRequest); ok && r.DispatcherID == id && r.Action == wire.ActionReset {
			last = r
		}
	}
	return last
}

// received returns the messages of type T that reached `to`, in arrival
// order.
func received[T any](h *harness, to wire.ServerID) []T {
	var out []T
	for _, d := range h.recv {
		if m, ok := d.Msg.(T); ok && d.To == to {
			out = append(out, m)
		}
	}
	return out
}

// requests renders the DispatcherRequests that reached `to`, in arrival
// order, as "ACTION dN" plus the fields that matter for the action.
func (h *harness) requests(to wire.ServerID) []string {
	var out []string
	for _, r := range received[*wire.DispatcherRequest](h, to) {
		out = append(out, renderRequest(r))
	}
	return out
}

func renderRequest(r *wire.DispatcherRequest) string {
	switch r.Action {
	case wire.ActionRegister:
		return fmt.Sprintf("REGISTER %s onlyReuse=%t startTs=%d", r.DispatcherID, r.OnlyReuse, r.StartTs)
	case wire.ActionReset:
		return fmt.Sprintf("RESET %s epoch=%d startTs=%d", r.DispatcherID, r.Epoch, r.StartTs)
	}
	return fmt.Sprintf("%s %s", r.Action, r.DispatcherID)
}

// attempts returns the times of every send attempt (failed or not) of
// messages to `to` that match.
func (h *harness) attempts(to wire.ServerID, match func(msg any) bool) []time.Duration {
	var out []time.Duration
	for _, s := range h.sends {
		if s.To == to && match(s.Msg) {
			out = append(out, s.At.Duration())
		}
	}
	return out
}

// isRequest matches the DispatcherRequest of one action for one dispatcher.
func isRequest(action wire.ActionType, id wire.DispatcherID) func(any) bool {
	return func(msg any) bool {
		r, ok := msg.(*wire.DispatcherRequest)
		return ok && r.Action == action && r.DispatcherID == id
	}
}

func isHeartbeat(msg any) bool { _, ok := msg.(*wire.DispatcherHeartbeat); return ok }

// gaps returns the differences between consecutive times.
func gaps(ts []time.Duration) []time.Duration {
	var out []time.Duration
	for i := 1; i < len(ts); i++ {
		out = append(out, ts[i]-ts[i-1])
	}
	return out
}

// repeat returns n copies of d.
func repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

// fakeTarget is a dispatcher whose checkpoint the scenario sets by hand
// and whose sink records every batch it is handed. With block set it asks
// the collector to hold the path until wake; with wakeInside it calls
// wake before HandleEvents returns (a sink that flushed at once).
type fakeTarget struct {
	id      wire.DispatcherID
	cf      wire.ChangefeedID
	span    wire.Span
	startTs wire.Ts
	cp      wire.Ts

	block      bool
	wakeInside bool
	// onHandle, if set, decides the block flag instead of block.
	onHandle func() bool
	batches  [][]wire.Event
	wake     func()
}

// newTarget is a dispatcher of changefeed cf on table `table` (0: the
// table trigger, which never asks the coordinator) from startTs.
func newTarget(id wire.DispatcherID, table int64) *fakeTarget {
	return &fakeTarget{id: id, cf: cf, span: wire.Span{TableID: table, StartKey: 0, EndKey: 1000}, startTs: startTs, cp: startTs}
}

func (f *fakeTarget) ID() wire.DispatcherID           { return f.id }
func (f *fakeTarget) ChangefeedID() wire.ChangefeedID { return f.cf }
func (f *fakeTarget) Span() wire.Span                 { return f.span }
func (f *fakeTarget) Mode() wire.Mode                 { return wire.ModeDefault }
func (f *fakeTarget) StartTs() wire.Ts                { return f.startTs }
func (f *fakeTarget) CheckpointTs() wire.Ts           { return f.cp }
func (f *fakeTarget) HandleEvents(events []wire.Event, wake func()) bool {
	f.batches = append(f.batches, slices.Clone(events))
	f.wake = wake
	if f.wakeInside {
		wake()
	}
	if f.onHandle != nil {
		return f.onHandle()
	}
	return f.block
}

// handled renders every batch the sink was handed: events separated by
// spaces, batches by " | ".
func (f *fakeTarget) handled() string {
	var bs []string
	for _, b := range f.batches {
		var es []string
		for _, ev := range b {
			es = append(es, short(ev))
		}
		bs = append(bs, strings.Join(es, " "))
	}
	return strings.Join(bs, " | ")
}

// short names an event by kind, epoch and seq (and ts for resolved).
func short(ev wire.Event) string {
	switch e := ev.(type) {
	case *wire.DMLEvent:
		return fmt.Sprintf("DML%d", e.Seq)
	case *wire.DDLEvent:
		return fmt.Sprintf("DDL%d", e.Seq)
	case *wire.SyncPointEvent:
		return fmt.Sprintf("SP%d", e.Seq)
	case *wire.ResolvedEvent:
		return fmt.Sprintf("R%d@%d", e.Seq, e.ResolvedTs)
	case *wire.HandshakeEvent:
		return fmt.Sprintf("HS/e%d", e.Epoch)
	case *wire.DropEvent:
		return fmt.Sprintf("Drop%d/e%d", e.DroppedSeq, e.DroppedEpoch)
	case *wire.ReadyEvent:
		return "Ready"
	case *wire.NotReusableEvent:
		return "NotReusable"
	}
	return ev.String()
}

// Event constructors of epoch e. DML seq k commits at 100+10k, so
// commitTs grows with seq and never falls below startTs.
func dml(id wire.DispatcherID, e, seq uint64) *wire.DMLEvent {
	return &wire.DMLEvent{DispatcherID: id, Epoch: e, Seq: seq, CommitTs: commitTs(seq), StartTs: commitTs(seq) - 1}
}

// bigDML is a DML of `rows` rows: 64 + 32*rows bytes for memory control.
func bigDML(id wire.DispatcherID, e, seq uint64, rows int) *wire.DMLEvent {
	ev := dml(id, e, seq)
	for r := range rows {
		ev.Rows = append(ev.Rows, uint64(r))
	}
	return ev
}

func ddl(id wire.DispatcherID, e, seq uint64) *wire.DDLEvent {
	return &wire.DDLEvent{DispatcherID: id, Epoch: e, Seq: seq, FinishedTs: commitTs(seq), TableInfoVersion: seq}
}

func syncPoint(id wire.DispatcherID, e, seq uint64) *wire.SyncPointEvent {
	return &wire.SyncPointEvent{DispatcherID: id, Epoch: e, Seq: seq, CommitTs: commitTs(seq)}
}

func resolved(id wire.DispatcherID, e, seq uint64, ts wire.Ts) *wire.ResolvedEvent {
	return &wire.ResolvedEvent{DispatcherID: id, Epoch: e, Seq: seq, ResolvedTs: ts}
}

func commitTs(seq uint64) wire.Ts { return wire.Ts(100 + 10*seq) }
