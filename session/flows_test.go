package session_test

import (
	"testing"

	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/assert"
)

// The eight flows of PROTOCOL.md 3.2, end to end at the session level:
// the server's side is played by the script.

// expectHeartbeat asserts the heartbeat report (T10).
func (h *harness) expectHeartbeat(to wire.ServerID, cp wire.Ts, epoch uint64) {
	h.t.Helper()
	gotTo, p, ok := h.stat.HeartbeatReport()
	assert.True(h.t, ok, "no heartbeat report")
	assert.Equal(h.t, to, gotTo)
	assert.Equal(h.t, wire.DispatcherProgress{DispatcherID: D, CheckpointTs: cp, Epoch: epoch}, p)
}

// (a) Normal one-phase add, local only: REGISTER, Ready (resent Readies
// ignored), RESET(L, cp, 1), handshake, data and resolved events,
// heartbeats to L with epoch 1.
func TestFlowA_OnePhaseAddLocalOnly(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.stat.Run()
		h.expect("REGISTER n1 startTs=100 onlyReuse=false")
		h.target.cp = 102
		h.ready(L)
		h.ready(L) // resent after 2 s: T3'
		h.expect("RESET n1 ts=102 epoch=1")
		h.handshake(L, 1, 102)
		got := h.data(L, dml(1, 2, 110), dml(1, 3, 115), resolved(1, 3, 120))
		assert.Equal(t, str(dml(1, 2, 110), dml(1, 3, 115), resolved(1, 3, 120)), got)
		h.target.cp = 119
		h.expectHeartbeat(L, 119, 1)
		h.expect()
	})
}

// (b) Remote first, local later: probe [R1, R2]; R1 NotReusable; R2
// Ready -> RESET(R2, 1) and data from R2; L's Ready -> REMOVE(R2),
// RESET(L, 2); R2's in-flight epoch-1 events are dropped as stale.
func TestFlowB_RemoteFirstLocalLater(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.stat.Run()
		h.stat.StartRemoteProbing([]wire.ServerID{R1, R2})
		h.expect("REGISTER n1 startTs=100 onlyReuse=false", "REGISTER n2 startTs=100 onlyReuse=true")
		h.notReusable(R1)
		h.expect("REGISTER n3 startTs=100 onlyReuse=true")
		h.ready(R2)
		h.expect("RESET n3 ts=100 epoch=1")
		h.handshake(R2, 1, 100)
		assert.Equal(t, str(dml(1, 2, 110)), h.data(R2, dml(1, 2, 110)))
		h.target.cp = 109
		h.expectHeartbeat(R2, 109, 1)

		h.ready(L)
		h.expect("REMOVE n3", "RESET n1 ts=109 epoch=2")
		h.expectState("OnLocal")
		assert.Empty(t, h.data(R2, dml(1, 3, 120), resolved(1, 3, 125)), "R2's epoch is stale")
		h.handshake(L, 2, 109)
		assert.Equal(t, str(dml(2, 2, 110), dml(2, 3, 120)), h.data(L, dml(2, 2, 110), dml(2, 3, 120)),
			"the replayed DML at the watermark passes (#1901); the sink filters it")
		h.expectHeartbeat(L, 109, 2)
	})
}

// (c) Probe exhausted: every candidate answers NotReusable; back to
// WaitLocal, where only L can make progress; no heartbeat meanwhile.
func TestFlowC_ProbeExhausted(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.stat.Run()
		h.stat.StartRemoteProbing([]wire.ServerID{R1, R2})
		h.notReusable(R1)
		h.notReusable(R2)
		h.expect("REGISTER n1 startTs=100 onlyReuse=false", "REGISTER n2 startTs=100 onlyReuse=true", "REGISTER n3 startTs=100 onlyReuse=true")
		h.expectState("WaitLocal")
		_, _, ok := h.stat.HeartbeatReport()
		assert.False(t, ok)
		h.ready(L)
		h.expect("RESET n1 ts=100 epoch=1")
	})
}

// (d) Local Ready first while probing: REMOVE(R) then RESET(L); R's late
// Ready gets another REMOVE (T4); its late NotReusable is ignored (T5”').
func TestFlowD_LocalReadyFirstWhileProbing(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.stat.Run()
		h.stat.StartRemoteProbing([]wire.ServerID{R1, R2})
		h.sent()
		h.ready(L)
		h.expect("REMOVE n2", "RESET n1 ts=100 epoch=1")
		h.ready(R1)
		h.expect("REMOVE n2")
		h.notReusable(R1)
		h.expect()
		h.expectState("OnLocal")
	})
}

// (e) Two-phase add (merge): L's Ready consumes the callback without a
// RESET (TwoPhaseReady, heartbeats at epoch 0); SetStartTs, then the
// commit sends RESET(L, cp, 1).
func TestFlowE_TwoPhaseAdd(t *testing.T) {
	runScenario(t, setup{callback: true}, func(h *harness) {
		h.stat.Run()
		h.ready(L)
		h.expect("REGISTER n1 startTs=100 onlyReuse=false", "readyCallback")
		h.expectState("TwoPhaseReady")
		h.expectHeartbeat(L, 100, 0)
		h.ready(L) // resent: T3'
		h.expect()
		h.target.startTs = 97
		h.target.cp = 97
		h.stat.CommitLocalRegistration()
		h.expect("RESET n1 ts=97 epoch=1")
		h.handshake(L, 1, 97)
		h.expectHeartbeat(L, 97, 1)
	})
}

// (f) The server lost the dispatcher: its heartbeat answer is Removed ->
// REGISTER(S) with the epoch kept, so heartbeats still carry the old
// epoch until the Ready -> RESET(S, cp, e+1). For L and for a remote.
func TestFlowF_ServerLostTheDispatcher(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.toOnLocal(100)
		h.expectHeartbeat(L, 100, 1)
		assert.True(t, h.stat.RetryCurrentRegistrationIfRemovedFrom(L))
		h.expect("REGISTER n1 startTs=100 onlyReuse=false")
		h.expectHeartbeat(L, 100, 1)
		h.target.cp = 130
		h.ready(L)
		h.expect("RESET n1 ts=130 epoch=2")
		h.expectHeartbeat(L, 130, 2)
	})
	runScenario(t, setup{}, func(h *harness) {
		h.toOnRemote(100)
		assert.True(t, h.stat.RetryCurrentRegistrationIfRemovedFrom(R1))
		h.expect("REGISTER n2 startTs=100 onlyReuse=true")
		h.expectHeartbeat(R1, 100, 1)
		h.target.cp = 130
		h.ready(R1)
		h.expect("RESET n2 ts=130 epoch=2")
	})
}

// (g) Gap: a seq mismatch resets the current service into e+1; what is
// still in flight of epoch e is dropped on arrival.
func TestFlowG_Gap(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.toOnRemote(100)
		h.handshake(R1, 1, 100)
		h.data(R1, dml(1, 2, 110))
		h.target.cp = 109
		assert.Empty(t, h.data(R1, dml(1, 4, 130)))
		h.expect("RESET n2 ts=109 epoch=2")
		assert.Empty(t, h.data(R1, dml(1, 5, 140), resolved(1, 5, 150)))
		h.handshake(R1, 2, 109)
		assert.Equal(t, str(dml(2, 2, 110), dml(2, 3, 120)), h.data(R1, dml(2, 2, 110), dml(2, 3, 120)))
		h.expect()
	})
}

// (h) Removal: REMOVE(L) plus current and pending; afterwards signals are
// ignored, resets skipped, no heartbeat, T8 refuses, no data forwarded.
func TestFlowH_Removal(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.toOnRemote(100)
		h.handshake(R1, 1, 100)
		h.stat.Remove()
		h.expect("REMOVE n1", "REMOVE n2")
		h.ready(L)
		h.ready(R1)
		h.notReusable(R1)
		h.stat.ResetCurrentEventService()
		h.stat.CommitLocalRegistration()
		h.stat.StartRemoteProbing([]wire.ServerID{R2})
		h.stat.Run()
		assert.False(t, h.stat.RetryCurrentRegistrationIfRemovedFrom(R1))
		_, _, ok := h.stat.HeartbeatReport()
		assert.False(t, ok)
		assert.Empty(t, h.data(R1, dml(1, 2, 110)))
		assert.Empty(t, h.data(R1, drop(1, 3, 111)))
		h.expect()
		h.expectState("Removed")
		assert.EqualValues(t, 1, h.snap().Epoch, "no reset after removal")
	})
}
