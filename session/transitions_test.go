package session_test

import (
	"testing"

	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/assert"
)

// One scenario per row of PROTOCOL.md 3.1, each a scripted order of
// inputs with the exact requests expected and the state after (1.4).

// A new stat is in state New: epoch 0 with maxEventTs and the dedup
// watermark at startTs, nothing sent (1.2, 1.4).
func TestNewStatStartsAtEpochZeroFromStartTs(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		s := h.snap()
		assert.Equal(t, "New", s.State(L))
		assert.Zero(t, s.Epoch)
		assert.Zero(t, s.LastEventSeq)
		assert.Equal(t, startTs, s.MaxEventTs)
		assert.Equal(t, startTs, s.LastEventCommitTs)
		assert.False(t, s.ReadyCallbackSet)
		assert.False(t, s.InTransition)
		h.expect()
	})
}

// T1: run sends REGISTER(L, onlyReuse=false) with the dispatcher's startTs
// and raises localReadyPending; after removal it sends nothing (3.1 T1).
func TestT1RunRegistersToLocal(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.stat.Run()
		h.expect("REGISTER n1 startTs=100 onlyReuse=false")
		h.expectState("WaitLocal")
		assert.Zero(t, h.snap().Epoch, "REGISTER does not advance the epoch")
	})
	runScenario(t, setup{}, func(h *harness) {
		h.stat.Remove()
		h.sent()
		h.stat.Run()
		h.expect()
		h.expectState("Removed")
	})
}

// T2: the coordinator's answer probes the first candidate with
// REGISTER(onlyReuse) and keeps the rest; ignored with a probe pending, a
// current service, no candidates, or after removal (3.1 T2).
func TestT2CoordinatorAnswerStartsRemoteProbing(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.stat.Run()
		h.sent()
		h.stat.StartRemoteProbing([]wire.ServerID{R1, R2, R3})
		h.expect("REGISTER n2 startTs=100 onlyReuse=true")
		h.expectState("Probing")
		assert.Equal(t, R1, h.snap().PendingRemoteEventServiceID)
		assert.Equal(t, []wire.ServerID{R2, R3}, h.snap().RemoteCandidates)

		h.stat.StartRemoteProbing([]wire.ServerID{R3})
		h.expect() // a probe is pending
		assert.Equal(t, R1, h.snap().PendingRemoteEventServiceID)
	})
	runScenario(t, setup{}, func(h *harness) {
		h.stat.Run()
		h.stat.StartRemoteProbing(nil)
		h.expect("REGISTER n1 startTs=100 onlyReuse=false") // only T1's
		h.toOnLocalFromWaitLocal()
		h.stat.StartRemoteProbing([]wire.ServerID{R1})
		h.expect() // a service is current
	})
	runScenario(t, setup{}, func(h *harness) {
		h.stat.Run()
		h.stat.Remove()
		h.sent()
		h.stat.StartRemoteProbing([]wire.ServerID{R1})
		h.expect()
	})
}

// T2 does not look at readyCallback (HEAD; the root of 6.1 F4).
func TestT2ProbesEvenDuringTwoPhaseAdd(t *testing.T) {
	runScenario(t, setup{callback: true}, func(h *harness) {
		h.stat.Run()
		h.stat.StartRemoteProbing([]wire.ServerID{R1})
		h.expect("REGISTER n1 startTs=100 onlyReuse=false", "REGISTER n2 startTs=100 onlyReuse=true")
		assert.True(t, h.snap().ReadyCallbackSet)
	})
}

// toOnLocalFromWaitLocal is T3 from WaitLocal with cp unchanged.
func (h *harness) toOnLocalFromWaitLocal() {
	h.ready(L)
	h.sent()
	h.expectState("OnLocal")
}

// T3: L's Ready while its registration is pending makes L current and
// sends RESET(L) at the checkpoint of that moment, in epoch 1, whose
// record starts at maxEventTs = cp (3.1 T3).
func TestT3LocalReadyResetsToLocal(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.stat.Run()
		h.sent()
		h.target.cp = 150
		h.ready(L)
		h.expect("RESET n1 ts=150 epoch=1")
		s := h.snap()
		assert.Equal(t, "OnLocal", s.State(L))
		assert.EqualValues(t, 1, s.Epoch)
		assert.Zero(t, s.LastEventSeq)
		assert.Equal(t, wire.Ts(150), s.MaxEventTs)
		assert.Equal(t, startTs, s.LastEventCommitTs, "the dedup watermark survives resets")
	})
}

// T3 cleanup: the pending probe and a remote current get REMOVE before
// the RESET, deduplicated (OnRemote+reReg names R1 twice), and the
// candidates are dropped (3.1 T3, 3.2 b, d).
func TestT3LocalReadyRemovesRemotesFirst(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.stat.Run()
		h.stat.StartRemoteProbing([]wire.ServerID{R1, R2})
		h.sent()
		h.ready(L)
		h.expect("REMOVE n2", "RESET n1 ts=100 epoch=1")
		assert.Empty(t, h.snap().RemoteCandidates)
		assert.Equal(t, "", string(h.snap().PendingRemoteEventServiceID))
	})
	runScenario(t, setup{}, func(h *harness) {
		h.toOnRemote(120)
		assert.True(t, h.stat.RetryCurrentRegistrationIfRemovedFrom(R1))
		h.expectState("OnRemote+reReg")
		h.sent()
		h.target.cp = 130
		h.ready(L)
		h.expect("REMOVE n2", "RESET n1 ts=130 epoch=2")
		h.expectState("OnLocal")
	})
}

// T3 with a two-phase add: cleanup first, then the callback is cleared and
// invoked, and no RESET is sent; the epoch stays 0 (3.1 T3, 3.2 e).
func TestT3LocalReadyConsumesReadyCallback(t *testing.T) {
	runScenario(t, setup{callback: true}, func(h *harness) {
		h.stat.Run()
		h.stat.StartRemoteProbing([]wire.ServerID{R1})
		h.sent()
		h.ready(L)
		h.expect("REMOVE n2", "readyCallback")
		s := h.snap()
		assert.False(t, s.ReadyCallbackSet, "HEAD clears the callback before invoking it")
		assert.Equal(t, "TwoPhaseReady", s.State(L))
		assert.Zero(t, s.Epoch)
	})
}

// T3': a Ready from L while no local registration is pending (duplicate or
// resent) changes nothing (3.1 T3').
func TestT3PrimeRepeatedLocalReadyIsIgnored(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.toOnLocal(150)
		h.ready(L)
		h.ready(L)
		h.expect()
		assert.EqualValues(t, 1, h.snap().Epoch)
	})
}

// T4: with L current, any remote Ready is stale and only gets a REMOVE,
// also while L is re-registering (3.1 T4).
func TestT4RemoteReadyWhileLocalIsCurrentIsRemoved(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.toOnLocal(150)
		h.ready(R1)
		h.expect("REMOVE n2")
		h.expectState("OnLocal")
		assert.True(t, h.stat.RetryCurrentRegistrationIfRemovedFrom(L))
		h.sent()
		h.ready(R2)
		h.expect("REMOVE n3")
		h.expectState("OnLocal+reReg")
		assert.EqualValues(t, 1, h.snap().Epoch)
	})
}

// T4': the pending remote's Ready makes it current and sends RESET(R) at
// cp; localReadyPending stays raised and the candidates are dropped
// (3.1 T4').
func TestT4PrimePendingRemoteReadyIsAccepted(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.stat.Run()
		h.stat.StartRemoteProbing([]wire.ServerID{R1, R2})
		h.sent()
		h.target.cp = 120
		h.ready(R1)
		h.expect("RESET n2 ts=120 epoch=1")
		s := h.snap()
		assert.Equal(t, "OnRemote", s.State(L))
		assert.Equal(t, R1, s.CurrentEventServiceID)
		assert.True(t, s.LocalReadyPending, "a later local Ready still wins")
		assert.Empty(t, s.RemoteCandidates)
		assert.Equal(t, wire.Ts(120), s.MaxEventTs)
	})
}

// T4' with the ready callback set panics (3.1 T4'; 6.1 F4 has the full
// scenario).
func TestT4PrimeRemoteReadyDuringTwoPhaseAddPanics(t *testing.T) {
	res := scenario(t, setup{callback: true}, func(h *harness) {
		h.stat.Run()
		h.stat.StartRemoteProbing([]wire.ServerID{R1})
		h.ready(R1)
	})
	requireTiCDCPanic(t, res, "ready callback should be nil when accepting remote ready")
}

// T4”: a remote Ready from anyone but the pending probe, with L not
// current, is ignored (3.1 T4”).
func TestT4DoublePrimeUnsolicitedRemoteReadyIsIgnored(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.stat.Run()
		h.sent()
		h.ready(R1) // WaitLocal: nobody asked R1
		h.expect()
		h.stat.StartRemoteProbing([]wire.ServerID{R1})
		h.sent()
		h.ready(R2) // Probing R1
		h.expect()
		h.ready(R1)
		h.sent()
		h.ready(R2) // OnRemote R1
		h.ready(R1) // R1's resent Ready: no longer pending
		h.expect()
		h.expectState("OnRemote")
		assert.EqualValues(t, 1, h.snap().Epoch)
	})
}

// T5: L never answers NotReusable; if it does, the collector panics
// (3.1 T5).
func TestT5NotReusableFromLocalPanics(t *testing.T) {
	res := scenario(t, setup{}, func(h *harness) {
		h.stat.Run()
		h.notReusable(L)
	})
	requireTiCDCPanic(t, res, "should not happen: local event service should not send not reusable event")
}

// T5': NotReusable from the pending remote moves the probe to the next
// candidate (3.1 T5', 3.2 b).
func TestT5PrimeNotReusableProbesNextCandidate(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.stat.Run()
		h.stat.StartRemoteProbing([]wire.ServerID{R1, R2, R3})
		h.sent()
		h.notReusable(R1)
		h.expect("REGISTER n3 startTs=100 onlyReuse=true")
		assert.Equal(t, R2, h.snap().PendingRemoteEventServiceID)
		assert.Equal(t, []wire.ServerID{R3}, h.snap().RemoteCandidates)
	})
}

// T5”: the last candidate's NotReusable ends the probe: WaitLocal again;
// during a remote re-registration it clears the probe only, current stays
// (3.1 T5”, 3.2 c).
func TestT5DoublePrimeProbeChainExhausted(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.stat.Run()
		h.stat.StartRemoteProbing([]wire.ServerID{R1})
		h.sent()
		h.notReusable(R1)
		h.expect()
		h.expectState("WaitLocal")
	})
	runScenario(t, setup{}, func(h *harness) {
		h.toOnRemote(120)
		h.stat.RetryCurrentRegistrationIfRemovedFrom(R1)
		h.sent()
		h.notReusable(R1)
		h.expect()
		h.expectState("OnRemote")
		assert.Equal(t, R1, h.snap().CurrentEventServiceID)
	})
}

// T5”': NotReusable from anyone but the pending remote is ignored, e.g.
// after L's Ready dropped the probe (3.1 T5”', 3.2 d).
func TestT5TriplePrimeStaleNotReusableIsIgnored(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.stat.Run()
		h.stat.StartRemoteProbing([]wire.ServerID{R1, R2})
		h.sent()
		h.notReusable(R2)
		h.expect()
		assert.Equal(t, R1, h.snap().PendingRemoteEventServiceID)
		h.ready(L)
		h.sent()
		h.notReusable(R1)
		h.expect()
		h.expectState("OnLocal")
	})
}

// T6: CommitAddDispatcher sends RESET(L) at the checkpoint, with the
// merged dispatcher's new startTs irrelevant to it; it checks neither that
// L is current nor that a Ready was seen; after removal it sends nothing
// (3.1 T6, 3.2 e).
func TestT6CommitResetsToLocal(t *testing.T) {
	runScenario(t, setup{callback: true}, func(h *harness) {
		h.stat.Run()
		h.ready(L)
		h.expect("REGISTER n1 startTs=100 onlyReuse=false", "readyCallback")
		h.target.startTs = 90 // SetStartTs by doMerge
		h.target.cp = 95
		h.stat.CommitLocalRegistration()
		h.expect("RESET n1 ts=95 epoch=1")
		h.expectState("OnLocal")
		assert.Equal(t, wire.Ts(95), h.snap().MaxEventTs)
	})
	runScenario(t, setup{callback: true}, func(h *harness) {
		h.stat.Run()
		h.sent()
		h.stat.CommitLocalRegistration() // no Ready seen: still RESET(L)
		h.expect("RESET n1 ts=100 epoch=1")
		h.expectState("WaitLocal")
		h.stat.Remove()
		h.sent()
		h.stat.CommitLocalRegistration()
		h.expect()
	})
}

// T7: reset the current service at cp into the next epoch; skipped when
// nothing is current or the session is removed (3.1 T7).
func TestT7ResetCurrentEventService(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.toOnRemote(120)
		h.target.cp = 140
		h.stat.ResetCurrentEventService()
		h.expect("RESET n2 ts=140 epoch=2")
		assert.EqualValues(t, 2, h.snap().Epoch)
		assert.Equal(t, wire.Ts(140), h.snap().MaxEventTs)
	})
	runScenario(t, setup{}, func(h *harness) {
		h.stat.Run()
		h.sent()
		h.stat.ResetCurrentEventService() // current empty: warn and skip
		h.expect()
		assert.Zero(t, h.snap().Epoch)
		h.ready(L)
		h.stat.Remove()
		h.sent()
		h.stat.ResetCurrentEventService()
		h.expect()
		assert.EqualValues(t, 1, h.snap().Epoch)
	})
}

// T8 with S = L: REGISTER(L) again, localReadyPending raised, epoch kept;
// the next Ready resets into the next epoch (3.1 T8, 3.2 f).
func TestT8RemovedFromLocalReRegisters(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.toOnLocal(150)
		assert.True(t, h.stat.RetryCurrentRegistrationIfRemovedFrom(L))
		h.expect("REGISTER n1 startTs=100 onlyReuse=false")
		h.expectState("OnLocal+reReg")
		assert.EqualValues(t, 1, h.snap().Epoch)
		h.target.cp = 160
		h.ready(L)
		h.expect("RESET n1 ts=160 epoch=2")
		h.expectState("OnLocal")
	})
}

// T8 with S remote: REGISTER(S, onlyReuse) with pendingRemote := S; its
// Ready is accepted by T4' (3.1 T8, 3.2 f).
func TestT8RemovedFromRemoteReRegisters(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.toOnRemote(120)
		assert.True(t, h.stat.RetryCurrentRegistrationIfRemovedFrom(R1))
		h.expect("REGISTER n2 startTs=100 onlyReuse=true")
		h.expectState("OnRemote+reReg")
		assert.EqualValues(t, 1, h.snap().Epoch)
		h.target.cp = 125
		h.ready(R1)
		h.expect("RESET n2 ts=125 epoch=2")
		h.expectState("OnRemote")
	})
}

// T8 refuses unless S is current and the session is not removed (3.1 T8,
// 6.1 F1/F2 model requirement).
func TestT8RefusesUnlessRemovedFromCurrent(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.stat.Run()
		h.sent()
		assert.False(t, h.stat.RetryCurrentRegistrationIfRemovedFrom(L), "nothing current yet")
		h.stat.StartRemoteProbing([]wire.ServerID{R1})
		h.ready(R1)
		h.sent()
		assert.False(t, h.stat.RetryCurrentRegistrationIfRemovedFrom(R2), "R2 is not current")
		assert.False(t, h.stat.RetryCurrentRegistrationIfRemovedFrom(L), "L is not current")
		h.stat.Remove()
		h.sent()
		assert.False(t, h.stat.RetryCurrentRegistrationIfRemovedFrom(R1), "removed")
		h.expect()
	})
}

// T9: REMOVE to L first, then to current and the pending remote,
// deduplicated; every field cleared but readyCallback; a second removal
// and every later input is a no-op (3.1 T9, 3.2 h).
func TestT9RemoveTargetsAndOrder(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.toOnRemote(120)
		h.stat.RetryCurrentRegistrationIfRemovedFrom(R1) // current = pending = R1
		h.sent()
		h.stat.Remove()
		h.expect("REMOVE n1", "REMOVE n2")
		s := h.snap()
		assert.Equal(t, "Removed", s.State(L))
		assert.True(t, s.Removed)
		h.stat.Remove()
		h.expect()
	})
	runScenario(t, setup{}, func(h *harness) {
		h.stat.Run()
		h.stat.StartRemoteProbing([]wire.ServerID{R2, R3})
		h.sent()
		h.stat.Remove()
		h.expect("REMOVE n1", "REMOVE n3")
		assert.Empty(t, h.snap().RemoteCandidates)
	})
	runScenario(t, setup{}, func(h *harness) {
		h.toOnLocal(150)
		h.stat.Remove()
		h.expect("REMOVE n1")
	})
	runScenario(t, setup{callback: true}, func(h *harness) {
		h.stat.Run()
		h.sent()
		h.stat.Remove()
		h.expect("REMOVE n1")
		assert.True(t, h.snap().ReadyCallbackSet, "remove leaves readyCallback (HEAD)")
		h.ready(L)
		h.notReusable(L) // T5's panic is behind the removed check
		h.expect()
	})
}

// T10: nothing without a current service; otherwise (current,
// min(cp, maxEventTs), epoch), where maxEventTs starts at the reset ts and
// rises with validated events, so a checkpoint pushed by old-epoch flushes
// is capped (3.5, I7).
func TestT10HeartbeatReportIsCappedByMaxEventTs(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.stat.Run()
		_, _, ok := h.stat.HeartbeatReport()
		assert.False(t, ok, "WaitLocal: no heartbeat")

		h.toOnLocalFromWaitLocal() // RESET at cp 100, epoch 1
		h.target.cp = 300          // old-epoch events flushed after the reset
		to, p, ok := h.stat.HeartbeatReport()
		assert.True(t, ok)
		assert.Equal(t, L, to)
		assert.Equal(t, wire.DispatcherProgress{DispatcherID: D, CheckpointTs: 100, Epoch: 1}, p)

		h.handshake(L, 1, 100)
		h.data(L, resolved(1, 1, 200))
		_, p, _ = h.stat.HeartbeatReport()
		assert.Equal(t, wire.Ts(200), p.CheckpointTs, "capped by the resolved ts the epoch delivered")

		h.target.cp = 180
		_, p, _ = h.stat.HeartbeatReport()
		assert.Equal(t, wire.Ts(180), p.CheckpointTs, "cp below maxEventTs is reported as is")
		assert.Equal(t, L, h.stat.EventServiceID())
	})
}

// T10 in TwoPhaseReady reports epoch 0 to L, which the server's epoch-0
// record accepts (3.2 e, 4.3 race 1).
func TestT10HeartbeatInTwoPhaseReadyIsEpochZero(t *testing.T) {
	runScenario(t, setup{callback: true}, func(h *harness) {
		h.stat.Run()
		h.ready(L)
		h.target.cp = 130
		to, p, ok := h.stat.HeartbeatReport()
		assert.True(t, ok)
		assert.Equal(t, L, to)
		assert.Equal(t, wire.DispatcherProgress{DispatcherID: D, CheckpointTs: startTs, Epoch: 0}, p)
	})
}
