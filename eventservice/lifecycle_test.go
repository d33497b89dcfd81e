package eventservice_test

import (
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/eventservice"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// PROTOCOL.md 3.3 RESET row, state Absent: ignored, nothing created,
// nothing sent.
func TestResetOfAbsentRecordIsIgnored(t *testing.T) {
	var recs []eventservice.RecordSnapshot
	e := run(t, newSetup(1), func(e *env) {
		e.col.reset(server, 1, span1, 1, 10)
		e.w.Sleep(time.Second)
		recs = e.svc.Records()
	})
	require.Empty(t, recs)
	require.Empty(t, e.col.events)
}

// PROTOCOL.md 3.3 RESET rows: a newer epoch replaces the record (seq 0,
// startTs t, checkpoint copied) and a scan runs at once, sending
// Handshake(seq 1, ts t); an older or equal epoch is ignored as stale.
func TestResetNewerReplacesStaleIsIgnored(t *testing.T) {
	var afterReset3, afterStale []eventservice.RecordSnapshot
	var reset3At time.Duration
	e := run(t, newSetup(1), func(e *env) {
		e.activate(1, span1, 1, 20)
		e.col.heartbeat(server, wire.DispatcherProgress{DispatcherID: 1, CheckpointTs: 40, Epoch: 1})
		e.w.Sleep(500 * time.Millisecond)
		reset3At = e.w.Now().Duration()
		e.col.reset(server, 1, span1, 3, 45)
		e.w.Sleep(10 * time.Millisecond)
		afterReset3 = e.svc.Records()
		e.col.reset(server, 1, span1, 2, 50) // older
		e.col.reset(server, 1, span1, 3, 60) // equal
		e.w.Sleep(time.Second)
		afterStale = e.svc.Records()
	})
	events := e.col.flatten()
	checkEpochStream(t, events, 1, 1)
	checkEpochStream(t, events, 1, 3)
	hs := of(events, 1, "Handshake")
	require.Len(t, hs, 2, "no handshake for the stale epochs")
	require.Equal(t, flat{at: hs[1].at, kind: "Handshake", id: 1, epoch: 3, seq: 1, ts: 45, env: hs[1].env}, hs[1])
	// The RESET is sent at reset3At and arrives 1 ms later; the
	// Handshake goes out after the reset scan's cost, without waiting for
	// a tick.
	require.Equal(t, reset3At+2*latency+eventservice.Config{}.WithDefaults().ResetScanCost, hs[1].at.Duration())
	rec, ok := record(afterReset3, 1)
	require.True(t, ok)
	require.Equal(t, uint64(3), rec.Epoch)
	require.Equal(t, wire.Ts(45), rec.StartTs)
	require.Equal(t, wire.Ts(40), rec.CheckpointTs, "the checkpoint is copied from the replaced record")
	require.Equal(t, afterReset3[0].Epoch, afterStale[0].Epoch)
	require.Equal(t, wire.Ts(45), afterStale[0].StartTs)
	for _, ev := range events {
		require.NotEqual(t, uint64(2), ev.epoch, "nothing of the stale epoch: %v", ev)
	}
}

// PROTOCOL.md 3.3 REMOVE row: idempotent; the record goes, its
// subscription goes, and a heartbeat for it is then answered Removed.
func TestRemoveIsIdempotent(t *testing.T) {
	var afterFirst, afterSecond []eventservice.RecordSnapshot
	var subs []wire.Subscription
	e := run(t, newSetup(1), func(e *env) {
		e.activate(1, span1, 1, 1)
		e.col.register(server, 2, span2, 1, false)
		e.w.Sleep(100 * time.Millisecond)
		e.col.remove(server, 1, span1)
		e.w.Sleep(10 * time.Millisecond)
		afterFirst = e.svc.Records()
		e.col.remove(server, 1, span1)
		e.col.remove(server, 3, span1) // never registered
		e.w.Sleep(10 * time.Millisecond)
		afterSecond, subs = e.svc.Records(), e.svc.Subscriptions()
		e.col.heartbeat(server, wire.DispatcherProgress{DispatcherID: 1, CheckpointTs: 5, Epoch: 1})
		e.w.Sleep(10 * time.Millisecond)
	})
	require.Len(t, afterFirst, 1)
	require.Equal(t, wire.DispatcherID(2), afterFirst[0].Dispatcher)
	require.Equal(t, afterFirst, afterSecond)
	require.Equal(t, []wire.Subscription{{Span: span2, CheckpointTs: 1, ResolvedTs: subs[0].ResolvedTs}}, subs)
	require.Len(t, e.col.commands, 1)
	require.Equal(t, &wire.DispatcherHeartbeatResponse{From: server, States: []wire.DispatcherStateEntry{{DispatcherID: 1, State: wire.StateRemoved}}},
		e.col.commands[0].msg)
}

// PROTOCOL.md 3.3 heartbeat rows: absent -> Removed in one response per
// heartbeat (on the command stream); another epoch -> ignored, not
// answered; same epoch -> checkpoint := max, heartbeat time refreshed.
func TestHeartbeatAbsentMismatchedEqual(t *testing.T) {
	var cps []wire.Ts
	e := run(t, newSetup(1), func(e *env) {
		e.activate(1, span1, 1, 1)
		e.col.heartbeat(server,
			wire.DispatcherProgress{DispatcherID: 1, CheckpointTs: 30, Epoch: 1},
			wire.DispatcherProgress{DispatcherID: 8, CheckpointTs: 30, Epoch: 1},
			wire.DispatcherProgress{DispatcherID: 9, CheckpointTs: 30, Epoch: 0})
		e.w.Sleep(10 * time.Millisecond)
		rec, _ := record(e.svc.Records(), 1)
		cps = append(cps, rec.CheckpointTs)
		e.col.heartbeat(server, wire.DispatcherProgress{DispatcherID: 1, CheckpointTs: 50, Epoch: 2}) // newer epoch
		e.col.heartbeat(server, wire.DispatcherProgress{DispatcherID: 1, CheckpointTs: 50, Epoch: 0}) // older epoch
		e.w.Sleep(10 * time.Millisecond)
		rec, _ = record(e.svc.Records(), 1)
		cps = append(cps, rec.CheckpointTs)
		e.col.heartbeat(server, wire.DispatcherProgress{DispatcherID: 1, CheckpointTs: 20, Epoch: 1}) // lower
		e.w.Sleep(10 * time.Millisecond)
		rec, _ = record(e.svc.Records(), 1)
		cps = append(cps, rec.CheckpointTs)
	})
	require.Equal(t, []wire.Ts{30, 30, 30}, cps)
	require.Len(t, e.col.commands, 1, "one response, for the one heartbeat with absent dispatchers")
	require.Equal(t, &wire.DispatcherHeartbeatResponse{From: server, States: []wire.DispatcherStateEntry{
		{DispatcherID: 8, State: wire.StateRemoved}, {DispatcherID: 9, State: wire.StateRemoved}}}, e.col.commands[0].msg)
	require.Equal(t, server, e.col.commands[0].from)
}

// PROTOCOL.md 3.3 sweep row and 5 I9: every 10 s, a handshaked record
// with no accepted heartbeat for 3600 s is removed; an epoch-0 record is
// never swept; a heartbeat keeps a record.
func TestSweepRemovesOnlyInactiveHandshakedRecords(t *testing.T) {
	present := map[string][]wire.DispatcherID{}
	ids := func(recs []eventservice.RecordSnapshot) []wire.DispatcherID {
		var out []wire.DispatcherID
		for _, r := range recs {
			out = append(out, r.Dispatcher)
		}
		return out
	}
	run(t, newSetup(1), func(e *env) {
		e.activate(1, span1, 1, 1) // reset at ~52 ms, never heartbeated
		e.activate(3, span3, 1, 1)
		e.col.register(server, 2, span2, 1, false) // epoch 0 forever
		e.w.Sleep(1800 * time.Second)
		e.col.heartbeat(server, wire.DispatcherProgress{DispatcherID: 3, CheckpointTs: 10, Epoch: 1})
		e.w.Sleep(3600*time.Second - e.w.Now().Duration() + 5*time.Second)
		present["3605s"] = ids(e.svc.Records())
		e.w.Sleep(10 * time.Second)
		present["3615s"] = ids(e.svc.Records())
		e.w.Sleep(1800 * time.Second)
		present["5415s"] = ids(e.svc.Records())
	})
	require.Equal(t, []wire.DispatcherID{1, 2, 3}, present["3605s"], "3600 s have not passed at the 3600 s sweep")
	require.Equal(t, []wire.DispatcherID{2, 3}, present["3615s"], "swept at the 3610 s sweep")
	require.Equal(t, []wire.DispatcherID{2}, present["5415s"], "the heartbeat at 1800 s kept d3 until 5410 s")
}

// PROTOCOL.md 2.5 and 4.3 (window 4): requests and heartbeats are two
// queues and the intake task's select picks between them with a seeded
// choice, so a heartbeat of epoch 1 sent right after RESET(1) is
// sometimes handled first (and ignored) and sometimes after (and
// accepted). Both orders must occur over a few seeds.
func TestIntakeInterleavesRequestsAndHeartbeats(t *testing.T) {
	accepted, ignored := 0, 0
	for seed := uint64(1); seed <= 40; seed++ {
		var cp wire.Ts
		run(t, newSetup(seed), func(e *env) {
			e.col.register(server, 1, span1, 1, false)
			e.w.Sleep(100 * time.Millisecond)
			e.col.reset(server, 1, span1, 1, 1)
			e.col.heartbeat(server, wire.DispatcherProgress{DispatcherID: 1, CheckpointTs: 7, Epoch: 1})
			e.w.Sleep(10 * time.Millisecond)
			rec, _ := record(e.svc.Records(), 1)
			cp = rec.CheckpointTs
		})
		if cp == 7 {
			accepted++
		} else {
			ignored++
		}
	}
	require.Positive(t, accepted)
	require.Positive(t, ignored)
}

// The same seed runs the same way: the event service adds no
// nondeterminism of its own (map order, wall clock).
func TestSameSeedSameHash(t *testing.T) {
	script := func(e *env) {
		e.up.add(1, dml(300), dml(300), dml(700))
		e.activate(1, span1, 1, 1)
		e.activate(2, span2, 1, 1)
		// The second REGISTER (H1) comes after the data: an orphan's
		// scan that reads data fails on the event store's assertion.
		e.w.Sleep(time.Second)
		e.col.register(server, 1, span1, 1, false)
		e.col.heartbeat(server, wire.DispatcherProgress{DispatcherID: 3, CheckpointTs: 10, Epoch: 1})
		e.w.Sleep(30 * time.Second)
	}
	hashes := map[uint64]bool{}
	for seed := uint64(1); seed <= 3; seed++ {
		_, a := runResult(newSetup(seed), script)
		_, b := runResult(newSetup(seed), script)
		require.Nil(t, a.Failure)
		require.Equal(t, a.Hash, b.Hash, "seed %d", seed)
		hashes[a.Hash] = true
	}
	require.Len(t, hashes, 3, "different seeds, different runs")
}

// TiCDC's requestScan (pkg/eventservice/event_broker.go) returns at once
// for the table-trigger (DDL) span, so a RESET of a table-trigger record
// does not scan at once as other RESETs do (PR #5554): its Handshake and
// DDLs go out on the next table-trigger tick (tickTableTriggerDispatchers,
// every 50 ms), in phase with the record's Ready, which the same tick
// sent.
func TestResetOfTableTriggerWaitsForTheTick(t *testing.T) {
	var resetAt time.Duration
	e := run(t, newSetup(1), func(e *env) {
		e.up.add(0, eventservice.Change{Kind: eventservice.KindDDL, CommitTs: 1500, TableInfoVersion: 2})
		e.col.register(server, 100, ddl, 1, false)
		e.w.Sleep(120 * time.Millisecond) // past the Ready, between two ticks
		resetAt = e.w.Now().Duration()
		e.col.reset(server, 100, ddl, 1, 1)
		e.w.Sleep(time.Second)
	})
	events := e.col.flatten()
	ready, hs := of(events, 100, "Ready"), of(events, 100, "Handshake")
	require.Len(t, ready, 1)
	require.Len(t, hs, 1)
	tick := eventservice.Config{}.WithDefaults().ScanInterval
	require.Zero(t, (hs[0].at.Duration()-ready[0].at.Duration())%tick, "the Handshake goes out on a tick, as the Ready did")
	require.Greater(t, hs[0].at.Duration(), resetAt+2*latency+eventservice.Config{}.WithDefaults().ResetScanCost,
		"not at once after the RESET")
	checkEpochStream(t, events, 100, 1)
}
