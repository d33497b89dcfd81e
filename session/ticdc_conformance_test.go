package session_test

// TiCDC's unit tests of the collector's dispatcher session at b813e76f9
// (downstreamadapter/eventcollector/dispatcher_stat_test.go), the ones
// that drive the session's signals and requests, re-expressed against
// session.Stat with this package's harness. TiCDC's tests often set the
// session's fields by hand; here every starting state is reached through
// the Stat's own inputs, which is why a few sub-cases are absent (each
// test says which). One test per TiCDC case, named TestTiCDC<its name>;
// package conformance keeps the table.

import (
	"fmt"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/session"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TiCDC: downstreamadapter/eventcollector/dispatcher_stat_test.go
// TestRemoteReadyClearsRemoteCandidates.
//
// Probing R1 with R2 as fallback: R1's Ready makes it current (RESET R1)
// and drops the fallback, so after R1 forgets the dispatcher (T8:
// REGISTER R1 again) its NotReusable sends nothing to R2.
func TestTiCDCRemoteReadyClearsRemoteCandidates(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.stat.Run()
		h.stat.StartRemoteProbing([]wire.ServerID{R1, R2})
		h.sent()
		h.ready(R1)
		h.expect("RESET n2 ts=100 epoch=1")
		assert.Empty(t, h.snap().RemoteCandidates)
		assert.True(t, h.stat.RetryCurrentRegistrationIfRemovedFrom(R1))
		h.expect("REGISTER n2 startTs=100 onlyReuse=true")
		h.notReusable(R1)
		h.expect()
	})
}

// TiCDC: downstreamadapter/eventcollector/dispatcher_stat_test.go
// TestHandleLocalReadyEventCleansUpRemoteRegistrations.
//
// L's Ready removes the remote registrations: a pending probe, or a
// current remote, is sent REMOVE before L's RESET; with a ready callback
// (a merge) the pending probe is still removed and no RESET goes out.
// TiCDC's second sub-case (a current remote and another pending at once)
// is a state the session's inputs never produce, so it is not repeated.
func TestTiCDCHandleLocalReadyEventCleansUpRemoteRegistrations(t *testing.T) {
	t.Run("local ready removes pending remote register and resets local", func(t *testing.T) {
		runScenario(t, setup{}, func(h *harness) {
			h.stat.Run()
			h.stat.StartRemoteProbing([]wire.ServerID{R1})
			h.sent()
			h.ready(L)
			h.expect("REMOVE n2", "RESET n1 ts=100 epoch=1")
		})
	})
	t.Run("local ready removes current remote", func(t *testing.T) {
		runScenario(t, setup{}, func(h *harness) {
			h.toOnRemote(100)
			h.sent()
			h.ready(L)
			h.expect("REMOVE n2", "RESET n1 ts=100 epoch=2")
		})
	})
	t.Run("local ready with callback still removes speculative remote register", func(t *testing.T) {
		runScenario(t, setup{callback: true}, func(h *harness) {
			h.stat.Run()
			h.stat.StartRemoteProbing([]wire.ServerID{R1})
			h.sent()
			h.ready(L)
			h.expect("REMOVE n2", "readyCallback")
		})
	})
}

// TiCDC: downstreamadapter/eventcollector/dispatcher_stat_test.go
// TestInitialLocalReadyCallbackIsOneShot.
//
// The ready callback of a merge runs once, on the first local Ready, and
// sends nothing; the commit sends RESET(L); after L forgets the
// dispatcher (T8: REGISTER L), L's next Ready resets as usual and the
// callback does not run again.
func TestTiCDCInitialLocalReadyCallbackIsOneShot(t *testing.T) {
	runScenario(t, setup{callback: true}, func(h *harness) {
		h.stat.Run()
		h.sent()
		h.ready(L)
		h.expect("readyCallback")
		assert.False(t, h.snap().ReadyCallbackSet)
		h.stat.CommitLocalRegistration()
		h.expect("RESET n1 ts=100 epoch=1")
		assert.True(t, h.stat.RetryCurrentRegistrationIfRemovedFrom(L))
		h.expect("REGISTER n1 startTs=100 onlyReuse=false")
		h.ready(L)
		h.expect("RESET n1 ts=100 epoch=2")
	})
}

// TiCDC: downstreamadapter/eventcollector/dispatcher_stat_test.go
// TestHandleSignalEvent.
//
// Each signal from a starting state: where the session ends (current
// service, receiving data, waiting for L's Ready, pending probe), or the
// panic TiCDC asserts (NotReusable from L, an unknown signal type).
func TestTiCDCHandleSignalEvent(t *testing.T) {
	type end struct {
		current   wire.ServerID
		receiving bool
		awaitL    bool
		pending   wire.ServerID
	}
	probing := func(h *harness, nodes ...wire.ServerID) {
		h.stat.Run()
		h.stat.StartRemoteProbing(nodes)
	}
	cases := []struct {
		name     string
		callback bool
		prelude  func(h *harness)
		signal   func(h *harness)
		want     end
	}{
		{"ignore signal event when already connected to local server", false,
			func(h *harness) { h.toOnLocal(100) }, func(h *harness) { h.ready(L) }, end{L, true, false, ""}},
		{"ignore signal event from unknown server", false,
			func(h *harness) { probing(h, R1) }, func(h *harness) { h.ready(R2) }, end{"", false, true, R1}},
		{"handle ready event from local server with callback", true,
			func(h *harness) { h.stat.Run() }, func(h *harness) { h.ready(L) }, end{L, true, false, ""}},
		{"handle ready event from local server without callback", false,
			func(h *harness) { probing(h, R1) }, func(h *harness) { h.ready(L) }, end{L, true, false, ""}},
		{"handle ready event from remote server", false,
			func(h *harness) { probing(h, R1) }, func(h *harness) { h.ready(R1) }, end{R1, true, true, ""}},
		{"ignore duplicate ready event from remote server", false,
			func(h *harness) { h.toOnRemote(100) }, func(h *harness) { h.ready(R1) }, end{R1, true, true, ""}},
		{"handle not reusable event from remote server", false,
			func(h *harness) { probing(h, R1, R2) }, func(h *harness) { h.notReusable(R1) }, end{"", false, true, R2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			runScenario(t, setup{callback: c.callback}, func(h *harness) {
				c.prelude(h)
				c.signal(h)
				s := h.snap()
				assert.Equal(t, c.want, end{s.CurrentEventServiceID, h.stat.IsReceivingDataEvent(), s.LocalReadyPending, s.PendingRemoteEventServiceID})
			})
		})
	}
	t.Run("panic on not reusable event from local server", func(t *testing.T) {
		requirePanic(t, scenario(t, setup{}, func(h *harness) {
			probing(h, R1)
			h.notReusable(L)
		}), "local event service should not send not reusable event")
	})
	t.Run("panic on unknown signal event type", func(t *testing.T) {
		requirePanic(t, scenario(t, setup{}, func(h *harness) {
			probing(h, R1)
			h.stat.HandleSignalEvent(L, dml(1, 2, 110))
		}), "unknown signal event type")
	})
}

// TiCDC: downstreamadapter/eventcollector/dispatcher_stat_test.go
// TestCheckpointTsForEventServiceUsesCollectorObservedMaxTs.
//
// The heartbeat's checkpoint is the sink's, capped by the largest ts the
// collector has validated in the epoch: the RESET's ts, then the
// handshake's, then a resolved event's and a DML's; a sink behind them
// is reported as it is. (TiCDC starts from a session marked receiving
// before any RESET; here the first report follows L's Ready.)
func TestTiCDCCheckpointTsForEventServiceUsesCollectorObservedMaxTs(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		report := func() wire.Ts {
			_, p, ok := h.stat.HeartbeatReport()
			assert.True(t, ok)
			return p.CheckpointTs
		}
		h.toOnLocal(150)
		h.target.cp = 220
		assert.Equal(t, wire.Ts(150), report(), "capped by the RESET's ts")
		h.handshake(L, 1, 180)
		assert.Equal(t, wire.Ts(180), report())
		h.target.cp = 170
		assert.Equal(t, wire.Ts(170), report(), "a sink behind is reported as it is")
		h.target.cp = 220
		h.data(L, resolved(1, 1, 200))
		assert.Equal(t, wire.Ts(200), report())
		h.data(L, dml(1, 2, 210))
		assert.Equal(t, wire.Ts(210), report())
	})
}

// TiCDC: downstreamadapter/eventcollector/dispatcher_stat_test.go
// TestRegistrationEntrypoints.
//
// Run registers to L with onlyReuse false; a probe registers to the
// remote with onlyReuse true; retrying a current remote registers there
// with onlyReuse true again. (TiCDC also checks the request's
// ignore-update-only-columns flag, which the model's requests do not
// carry yet.)
func TestTiCDCRegistrationEntrypoints(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.stat.Run()
		h.expect("REGISTER n1 startTs=100 onlyReuse=false")
		h.stat.StartRemoteProbing([]wire.ServerID{R1})
		h.expect("REGISTER n2 startTs=100 onlyReuse=true")
		h.ready(R1)
		h.sent()
		assert.True(t, h.stat.RetryCurrentRegistrationIfRemovedFrom(R1))
		h.expect("REGISTER n2 startTs=100 onlyReuse=true")
	})
}

// TiCDC: downstreamadapter/eventcollector/dispatcher_stat_test.go
// TestRegisterAndRemoveRequestOrder.
//
// A probe's REGISTER is slow to hand over (the send holds requestMu);
// RemoveDispatcher on another task waits for it, then sends REMOVE to L
// and to the remote, in that order: the REMOVE never overtakes the
// REGISTER it cleans up.
func TestTiCDCRegisterAndRemoveRequestOrder(t *testing.T) {
	var order []string
	res := sim.Run(sim.DefaultConfig(1), func(w *sim.World) {
		var registered, removed bool
		stat := session.NewStat(session.Config{Runtime: w, LocalServerID: L,
			Send: func(to wire.ServerID, r *wire.DispatcherRequest) {
				if r.Action == wire.ActionRegister {
					w.Sleep(100 * time.Millisecond) // the REGISTER is slow to hand over
				}
				order = append(order, fmt.Sprintf("%s %s", r.Action, to))
			}}, &fakeTarget{startTs: startTs, cp: startTs}, nil)
		w.Go("probe", func() { stat.StartRemoteProbing([]wire.ServerID{R1}); registered = true })
		w.Sleep(10 * time.Millisecond)
		w.Go("remove", func() { stat.Remove(); removed = true })
		w.Sleep(50 * time.Millisecond)
		assert.False(t, removed, "remove waits for the in-flight REGISTER")
		w.Sleep(time.Second)
		assert.True(t, registered && removed)
	})
	require.Nil(t, res.Failure, "%v", res.Failure)
	require.Equal(t, []string{"REGISTER n2", "REMOVE n1", "REMOVE n2"}, order)
}

// TiCDC: downstreamadapter/eventcollector/dispatcher_stat_test.go
// TestLocalHeartbeatRemovedReregisterReadySendsReset.
//
// On L, a heartbeat response saying L removed the dispatcher re-registers
// to L (T8); L's Ready then resets, and the session is on L again.
func TestTiCDCLocalHeartbeatRemovedReregisterReadySendsReset(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.toOnLocal(100)
		assert.True(t, h.stat.RetryCurrentRegistrationIfRemovedFrom(L))
		h.expect("REGISTER n1 startTs=100 onlyReuse=false")
		h.ready(L)
		h.expect("RESET n1 ts=100 epoch=2")
		s := h.snap()
		assert.Equal(t, L, s.CurrentEventServiceID)
		assert.False(t, s.LocalReadyPending)
		assert.Empty(t, s.PendingRemoteEventServiceID)
	})
}

// TiCDC: downstreamadapter/eventcollector/dispatcher_stat_test.go
// TestHandleDDLEventTableInfoUpdate.
func TestTiCDCHandleDDLEventTableInfoUpdate(t *testing.T) {
	t.Skip("not modelled: table info objects (schemas, views); the model keeps only a table-info version")
}

// TiCDC: downstreamadapter/eventcollector/dispatcher_stat_test.go TestRemove.
//
// Remove sends REMOVE to L and to the current remote, or to L and the
// pending probe, and the session then ignores a late Ready. (TiCDC's
// third sub-case, a current remote and another pending at once, is a
// state the session's inputs never produce.)
func TestTiCDCRemove(t *testing.T) {
	t.Run("remove local and current remote", func(t *testing.T) {
		runScenario(t, setup{}, func(h *harness) {
			h.toOnRemote(100)
			h.stat.Remove()
			h.expect("REMOVE n1", "REMOVE n2")
		})
	})
	t.Run("remove local and pending remote even if remote not ready", func(t *testing.T) {
		runScenario(t, setup{}, func(h *harness) {
			h.stat.Run()
			h.stat.StartRemoteProbing([]wire.ServerID{R1})
			h.sent()
			h.stat.Remove()
			h.expect("REMOVE n1", "REMOVE n2")
		})
	})
	t.Run("late signal is ignored after remove", func(t *testing.T) {
		runScenario(t, setup{}, func(h *harness) {
			h.stat.Run()
			h.stat.StartRemoteProbing([]wire.ServerID{R1})
			h.stat.Remove()
			h.sent()
			h.ready(L)
			h.expect()
			s := h.snap()
			assert.Empty(t, s.CurrentEventServiceID)
			assert.False(t, h.stat.IsReceivingDataEvent())
			assert.False(t, s.LocalReadyPending)
			assert.Empty(t, s.PendingRemoteEventServiceID)
		})
	})
}
