package collector

import (
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// PROTOCOL.md 3.5 and T10: every 10 s one DispatcherHeartbeat per current
// service, in service (ServerID) order, listing the dispatchers whose
// current service it is, each with min(cp, maxEventTs) and its epoch.
// Dispatchers without a current service (waiting for L, or probing a
// remote) are in none.
//
// The cast, in dispatcher-ID order: d1 on S3, d2 on L, d3 on S2, d4
// waiting for L, d5 on S3 after a second reset (epoch 2), d6 probing S2.
// Taking services as the dispatchers are met would give S3, L, S2.
func TestHeartbeatsGroupDispatchersByCurrentServiceEveryTenSeconds(t *testing.T) {
	var states map[wire.DispatcherID]string
	h := run(t, options{}, func(h *harness) {
		d1, d2, d3, d4, d5, d6 := newTarget(1, 1), newTarget(2, 0), newTarget(3, 3), newTarget(4, 0), newTarget(5, 5), newTarget(6, 6)
		h.onRemote(d1, 1<<20, S3)
		h.onLocal(d2, 1<<20)
		h.onRemote(d3, 1<<20, S2)
		h.c.AddDispatcher(d4, 1<<20)
		h.onRemote(d5, 1<<20, S3)
		h.c.AddDispatcher(d6, 1<<20)
		h.settle()
		h.answer(6, S2)
		h.settle()

		// d2: maxEventTs 500 above cp 300, so cp is reported.
		h.events(L, resolved(2, 1, 1, 500))
		d2.cp = 300
		// d3: cp 900 above maxEventTs 400, so the cap is reported.
		h.events(S2, resolved(3, 1, 1, 400))
		d3.cp = 900
		// d5: a seq gap resets it (T7) at cp 250: epoch 2, maxEventTs 250.
		d5.cp = 250
		h.events(S3, dml(5, 1, 3))
		h.settle()
		h.handshake(S3, 5)
		d5.cp = 260

		states = map[wire.DispatcherID]string{}
		for _, id := range h.c.DispatcherIDs() {
			states[id] = h.snapshot(id).State
		}
		h.sleepUntil(35 * time.Second)
	})
	require.Equal(t, map[wire.DispatcherID]string{1: "OnRemote", 2: "OnLocal", 3: "OnRemote", 4: "WaitLocal", 5: "OnRemote", 6: "Probing"}, states)

	var order []wire.ServerID
	var times []time.Duration
	for _, s := range h.sends {
		if isHeartbeat(s.Msg) {
			require.NoError(t, s.Err)
			order, times = append(order, s.To), append(times, s.At.Duration())
		}
	}
	require.Equal(t, []wire.ServerID{L, S2, S3, L, S2, S3, L, S2, S3}, order, "one heartbeat per current service per round, in service order")
	require.Equal(t, []time.Duration{10 * time.Second, 10 * time.Second, 10 * time.Second,
		20 * time.Second, 20 * time.Second, 20 * time.Second, 30 * time.Second, 30 * time.Second, 30 * time.Second}, times)

	want := map[wire.ServerID][]wire.DispatcherProgress{
		L:  {{DispatcherID: 2, CheckpointTs: 300, Epoch: 1}},
		S2: {{DispatcherID: 3, CheckpointTs: 400, Epoch: 1}},
		S3: {{DispatcherID: 1, CheckpointTs: 100, Epoch: 1}, {DispatcherID: 5, CheckpointTs: 250, Epoch: 2}},
	}
	for to, progress := range want {
		hbs := received[*wire.DispatcherHeartbeat](h, to)
		require.Len(t, hbs, 3, "heartbeats to %s", to)
		for _, hb := range hbs {
			require.Equal(t, L, hb.From)
			require.Equal(t, progress, hb.Progress, "heartbeat to %s", to)
		}
	}
	require.EqualValues(t, 9, h.c.Stats().HeartbeatsSent)
}

// PROTOCOL.md 3.5: a collector whose dispatchers have no current service
// sends no heartbeat at all.
func TestNoHeartbeatWithoutACurrentService(t *testing.T) {
	h := run(t, options{}, func(h *harness) {
		h.c.AddDispatcher(newTarget(1, 0), 1<<20) // waits for L
		h.c.AddDispatcher(newTarget(2, 2), 1<<20)
		h.settle()
		h.answer(2, S2) // probes S2, which never answers
		h.sleepUntil(35 * time.Second)
	})
	require.Empty(t, h.attempts(L, isHeartbeat))
	require.Empty(t, h.attempts(S2, isHeartbeat))
	require.EqualValues(t, 0, h.c.Stats().HeartbeatsSent)
}

// PROTOCOL.md 2.3, 3.1 T8: a heartbeat response's Removed entry from a
// dispatcher's current service re-registers it there (onlyReuse for a
// remote, not for L), without touching the epoch. A Removed entry from a
// service that is not current, for a dispatcher without a current
// service, or for a dispatcher the collector does not have, does nothing;
// so does a Normal entry.
func TestRemovedHeartbeatResponseReRegistersWithTheCurrentService(t *testing.T) {
	var after []sessionView
	var marks []int
	h := run(t, options{}, func(h *harness) {
		h.onLocal(newTarget(1, 0), 1<<20)
		h.onRemote(newTarget(2, 2), 1<<20, S2)
		h.c.AddDispatcher(newTarget(3, 0), 1<<20) // no current service
		h.settle()
		marks = append(marks, len(h.recv))

		// Ignored: not current, unknown, no current service, Normal.
		h.removed(S3, 1, 2)
		h.removed(S2, 1, 99, 3)
		h.removed(L, 2, 3)
		h.send(L, wire.StreamCommand, &wire.DispatcherHeartbeatResponse{From: L,
			States: []wire.DispatcherStateEntry{{DispatcherID: 1, State: wire.StateNormal}}})
		h.settle()
		marks = append(marks, len(h.recv))

		h.removed(S2, 2)
		h.settle()
		h.removed(L, 1)
		h.settle()
		after = []sessionView{h.snapshot(1), h.snapshot(2), h.snapshot(3)}
	})
	ignored := h.recv[marks[0]:marks[1]]
	require.Empty(t, ignored, "responses that are not from the current service send nothing")

	h.recv = h.recv[marks[1]:]
	require.Equal(t, []string{"REGISTER d2 onlyReuse=true startTs=100"}, h.requests(S2))
	require.Equal(t, []string{"REGISTER d1 onlyReuse=false startTs=100"}, h.requests(L))
	require.Empty(t, h.requests(S3))

	require.Equal(t, "OnLocal+reReg", after[0].State)
	require.Equal(t, "OnRemote+reReg", after[1].State)
	require.Equal(t, "WaitLocal", after[2].State)
	require.EqualValues(t, 1, after[0].Epoch, "T8 does not change the epoch")
	require.EqualValues(t, 1, after[1].Epoch, "T8 does not change the epoch")
}

// PROTOCOL.md 2.2, 3.6: every 1 s one CongestionControl to each service
// that is current for some dispatcher, with each changefeed's available
// memory, usage and release count and one entry per dispatcher it
// serves. A dispatcher without a current service (d4 waiting for L, d5
// probing S3) contributes nothing, so S3 gets nothing. The message goes
// out directly, not through the request queue: a failed one is not resent.
func TestCongestionControlPerCurrentServiceEverySecond(t *testing.T) {
	h := run(t, options{}, func(h *harness) {
		d1, d2, d3, d4, d5 := newTarget(1, 0), newTarget(2, 2), newTarget(3, 3), newTarget(4, 0), newTarget(5, 5)
		d3.cf, d5.cf = "cf-b", "cf-b"
		h.onLocal(d1, 1000)
		h.onRemote(d2, 1000, S2)
		h.onRemote(d3, 2000, S2)
		h.c.AddDispatcher(d4, 1000)
		h.c.AddDispatcher(d5, 2000)
		h.settle()
		h.answer(5, S3)
		h.settle()
		// Two DMLs (64 B each) wait behind d2's blocked sink.
		d2.block = true
		h.events(S2, dml(2, 1, 2))
		h.settle()
		h.events(S2, dml(2, 1, 3), dml(2, 1, 4))
		h.sleepUntil(1500 * time.Millisecond)
		h.fail = failFirst(1, S2, func(msg any) bool { _, ok := msg.(*wire.CongestionControl); return ok }, network.ErrNotReady)
		h.sleepUntil(5500 * time.Millisecond)
	})
	isCC := func(msg any) bool { _, ok := msg.(*wire.CongestionControl); return ok }
	for _, s := range h.sends {
		if isCC(s.Msg) {
			require.Contains(t, []wire.ServerID{L, S2}, s.To, "congestion control only to current services")
		}
	}
	require.Empty(t, h.attempts(S3, isCC), "S3 is current for nobody")
	tail := func(ts []time.Duration) []time.Duration { return ts[len(ts)-4:] }
	ticks := []time.Duration{2 * time.Second, 3 * time.Second, 4 * time.Second, 5 * time.Second}
	require.Equal(t, ticks, tail(h.attempts(L, isCC)))
	require.Equal(t, ticks, tail(h.attempts(S2, isCC)), "the failed one at 2 s is not resent")

	a := wire.ChangefeedQuota{ChangefeedID: cf, Available: 1000 - 128, UsageRatio: 0.128}
	toL := received[*wire.CongestionControl](h, L)
	a.Dispatchers = []wire.DispatcherQuota{{DispatcherID: 1, Available: 872}}
	require.Equal(t, &wire.CongestionControl{From: L, Changefeeds: []wire.ChangefeedQuota{a}}, toL[len(toL)-1])

	toS2 := received[*wire.CongestionControl](h, S2)
	a.Dispatchers = []wire.DispatcherQuota{{DispatcherID: 2, Available: 872}}
	b := wire.ChangefeedQuota{ChangefeedID: "cf-b", Available: 2000, Dispatchers: []wire.DispatcherQuota{{DispatcherID: 3, Available: 2000}}}
	require.Equal(t, &wire.CongestionControl{From: L, Changefeeds: []wire.ChangefeedQuota{a, b}}, toS2[len(toS2)-1])
	for _, cc := range append(toL, toS2...) {
		for _, q := range cc.Changefeeds {
			for _, d := range q.Dispatchers {
				require.NotContains(t, []wire.DispatcherID{4, 5}, d.DispatcherID, "no current service, no quota entry")
			}
		}
	}
}
