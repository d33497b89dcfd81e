package session_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/cdcsim/cdcsim/session"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/variant"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The cast of every scenario: the collector runs on L; R1..R3 are remote
// event services; D is the dispatcher.
const (
	L  wire.ServerID = "n1"
	R1 wire.ServerID = "n2"
	R2 wire.ServerID = "n3"
	R3 wire.ServerID = "n4"

	D       wire.DispatcherID = 7
	startTs wire.Ts           = 100
)

var span = wire.Span{TableID: 42, StartKey: 0, EndKey: 1000} // read-only fixture

// fakeTarget is a dispatcher whose checkpoint the scenario sets by hand
// and whose sink records every batch it is handed.
type fakeTarget struct {
	startTs wire.Ts
	cp      wire.Ts
	block   bool
	batches [][]wire.Event
}

func (f *fakeTarget) ID() wire.DispatcherID           { return D }
func (f *fakeTarget) ChangefeedID() wire.ChangefeedID { return "cf" }
func (f *fakeTarget) Span() wire.Span                 { return span }
func (f *fakeTarget) Mode() wire.Mode                 { return wire.ModeRedo }
func (f *fakeTarget) StartTs() wire.Ts                { return f.startTs }
func (f *fakeTarget) CheckpointTs() wire.Ts           { return f.cp }
func (f *fakeTarget) HandleEvents(events []wire.Event, wake func()) bool {
	f.batches = append(f.batches, slices.Clone(events))
	return f.block
}

// setup is how a scenario's stat is built.
type setup struct {
	seed     uint64
	bugs     string // comma-separated variant names
	patches  string
	callback bool // a two-phase add (merge): NewStat with a readyCallback
}

// harness drives one Stat inside a simulated world and records, in one
// log, every request sent and every readyCallback invocation, so a test
// sees their relative order.
type harness struct {
	t      *testing.T
	w      *sim.World
	target *fakeTarget
	stat   *session.Stat
	log    []string // since the last sent()
	all    []string // the whole run
}

// scenario runs body as the main task of a simulated run and returns the
// result; a panic in the model ends the run with Kind "panic". Checks
// inside body use assert (non-fatal): require's FailNow must not run on a
// simulator task.
func scenario(t *testing.T, s setup, body func(h *harness)) *sim.Result {
	t.Helper()
	vs, err := variant.Parse(s.bugs, s.patches)
	require.NoError(t, err)
	seed := s.seed
	if seed == 0 {
		seed = 1
	}
	return sim.Run(sim.DefaultConfig(seed), func(w *sim.World) {
		h := &harness{t: t, w: w, target: &fakeTarget{startTs: startTs, cp: startTs}}
		var cb func()
		if s.callback {
			cb = func() { h.record("readyCallback") }
		}
		h.stat = session.NewStat(session.Config{
			Runtime:       w,
			LocalServerID: L,
			Send:          h.recordSend,
			Variants:      vs,
			Trace:         w.Tracef,
		}, h.target, cb)
		body(h)
	})
}

// runScenario is scenario for runs that must pass.
func runScenario(t *testing.T, s setup, body func(h *harness)) {
	t.Helper()
	res := scenario(t, s, body)
	if res.Failure != nil {
		require.Failf(t, "scenario failed", "%s", res.Failure.Report())
	}
}

// requirePanic asserts the run ended in a panic whose message contains msg.
func requirePanic(t *testing.T, res *sim.Result, msg string) {
	t.Helper()
	require.NotNil(t, res.Failure, "the run passed; want a panic containing %q", msg)
	require.Equal(t, sim.KindPanic, res.Failure.Kind, res.Failure.Report())
	require.Contains(t, res.Failure.Message, msg)
}

func (h *harness) record(s string) {
	h.log = append(h.log, s)
	h.all = append(h.all, s)
}

// recordSend is Config.Send: it checks the fields every request carries
// (PROTOCOL.md 2.1) and logs the action-specific ones.
func (h *harness) recordSend(to wire.ServerID, r *wire.DispatcherRequest) {
	assert.Equal(h.t, wire.ChangefeedID("cf"), r.ChangefeedID)
	assert.Equal(h.t, D, r.DispatcherID)
	assert.Equal(h.t, span, r.Span)
	assert.Equal(h.t, L, r.ServerID, "ServerID is always the sender L")
	assert.Equal(h.t, wire.ModeRedo, r.Mode)
	switch r.Action {
	case wire.ActionRegister:
		assert.Zero(h.t, r.Epoch, "REGISTER carries epoch 0")
		h.record(fmt.Sprintf("REGISTER %s startTs=%d onlyReuse=%t", to, r.StartTs, r.OnlyReuse))
	case wire.ActionReset:
		assert.False(h.t, r.OnlyReuse, "RESET leaves onlyReuse unset")
		h.record(fmt.Sprintf("RESET %s ts=%d epoch=%d", to, r.StartTs, r.Epoch))
	case wire.ActionRemove:
		assert.Zero(h.t, r.StartTs)
		assert.Zero(h.t, r.Epoch)
		assert.False(h.t, r.OnlyReuse)
		h.record(fmt.Sprintf("REMOVE %s", to))
	default:
		h.t.Errorf("unexpected action %s", r.Action)
	}
}

// sent returns what was logged since the last call.
func (h *harness) sent() []string {
	out := h.log
	h.log = nil
	return out
}

// expect asserts exactly want was logged since the last check.
func (h *harness) expect(want ...string) {
	h.t.Helper()
	got := h.sent()
	if len(want) == 0 {
		assert.Empty(h.t, got)
		return
	}
	assert.Equal(h.t, want, got)
}

func (h *harness) snap() session.Snapshot { return h.stat.Snapshot() }

func (h *harness) expectState(state string) {
	h.t.Helper()
	assert.Equal(h.t, state, h.snap().State(L))
}

func (h *harness) ready(from wire.ServerID) {
	h.stat.HandleSignalEvent(from, &wire.ReadyEvent{DispatcherID: D})
}

func (h *harness) notReusable(from wire.ServerID) {
	h.stat.HandleSignalEvent(from, &wire.NotReusableEvent{DispatcherID: D})
}

// data hands one batch to the data path and returns what reached the
// sink because of it, rendered.
func (h *harness) data(from wire.ServerID, events ...wire.Event) []string {
	before := len(h.target.batches)
	h.stat.HandleDataEvents(from, events, func() {})
	var out []string
	for _, b := range h.target.batches[before:] {
		for _, ev := range b {
			out = append(out, ev.String())
		}
	}
	return out
}

// Scripted preludes that bring the session to a named state of 1.4.

// toOnLocal: T1, then L's Ready (T3) at cp, RESET(L, epoch 1).
func (h *harness) toOnLocal(cp wire.Ts) {
	h.stat.Run()
	h.target.cp = cp
	h.ready(L)
	h.sent()
	h.expectState("OnLocal")
}

// toOnRemote: T1, probe [R1] (T2), R1's Ready (T4') at cp, RESET(R1, 1).
func (h *harness) toOnRemote(cp wire.Ts) {
	h.stat.Run()
	h.stat.StartRemoteProbing([]wire.ServerID{R1})
	h.target.cp = cp
	h.ready(R1)
	h.sent()
	h.expectState("OnRemote")
}

// handshake opens the current epoch at ts.
func (h *harness) handshake(from wire.ServerID, epoch uint64, ts wire.Ts) {
	h.data(from, hs(epoch, ts))
	assert.EqualValues(h.t, 1, h.snap().LastEventSeq, "handshake of epoch %d not accepted", epoch)
}

// Event constructors.

func hs(epoch uint64, ts wire.Ts) *wire.HandshakeEvent {
	return &wire.HandshakeEvent{DispatcherID: D, Epoch: epoch, Seq: 1, ResolvedTs: ts, TableInfoVersion: 1}
}

func dml(epoch, seq uint64, commitTs wire.Ts) *wire.DMLEvent {
	return &wire.DMLEvent{DispatcherID: D, Epoch: epoch, Seq: seq, CommitTs: commitTs, StartTs: commitTs - 1}
}

func batch(dmls ...*wire.DMLEvent) *wire.BatchDMLEvent {
	b := &wire.BatchDMLEvent{DispatcherID: D}
	for _, d := range dmls {
		b.DMLs = append(b.DMLs, *d)
	}
	return b
}

func ddl(epoch, seq uint64, ts wire.Ts) *wire.DDLEvent {
	return &wire.DDLEvent{DispatcherID: D, Epoch: epoch, Seq: seq, FinishedTs: ts, TableInfoVersion: uint64(ts)}
}

func syncPoint(epoch, seq uint64, ts wire.Ts) *wire.SyncPointEvent {
	return &wire.SyncPointEvent{DispatcherID: D, Epoch: epoch, Seq: seq, CommitTs: ts}
}

func resolved(epoch, seq uint64, ts wire.Ts) *wire.ResolvedEvent {
	return &wire.ResolvedEvent{DispatcherID: D, Epoch: epoch, Seq: seq, ResolvedTs: ts}
}

func drop(epoch, seq uint64, ts wire.Ts) *wire.DropEvent {
	return &wire.DropEvent{DispatcherID: D, DroppedEpoch: epoch, DroppedSeq: seq, DroppedCommitTs: ts}
}

// str renders events as the sink would log them.
func str(events ...wire.Event) []string {
	out := make([]string, len(events))
	for i, ev := range events {
		out[i] = ev.String()
	}
	return out
}
