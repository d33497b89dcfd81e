package session

// TiCDC's unit tests of the collector's per-dispatcher rules at b813e76f9
// (downstreamadapter/eventcollector/dispatcher_stat_test.go), the ones
// that drive one rule of the data path alone, re-expressed against the
// model's functions of the same names (validate.go). One test per TiCDC
// case, named TestTiCDC<its name>; package conformance keeps the table.

import (
	"testing"

	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// ruleStat is a Stat with just what the data-path rules read: a target,
// a session for traces, and the epoch record given.
func ruleStat(epoch, lastEventSeq uint64) (*Stat, *dispatcherEpochState) {
	s := &Stat{target: bareTarget{}, session: &dispatcherSession{target: bareTarget{}}}
	st := newDispatcherEpochState(epoch, lastEventSeq, 100)
	s.currentEpoch.Store(st)
	return s, st
}

// TiCDC: downstreamadapter/eventcollector/dispatcher_stat_test.go
// TestVerifyEventSequence.
//
// Only a handshake opens an epoch; data must carry the next seq, every
// DML of a batch included; a resolved event carries the last seq.
func TestTiCDCVerifyEventSequence(t *testing.T) {
	cases := []struct {
		name string
		last uint64
		ev   wire.Event
		ok   bool
	}{
		{"first event is handshake", 0, &wire.HandshakeEvent{Epoch: 1, Seq: 1}, true},
		{"first event is not handshake", 0, &wire.DMLEvent{Epoch: 1, Seq: 1}, false},
		{"continuous DML event sequence", 1, &wire.DMLEvent{Epoch: 1, Seq: 2}, true},
		{"discontinuous DML event sequence", 1, &wire.DMLEvent{Epoch: 1, Seq: 3}, false},
		{"continuous DDL event sequence", 2, &wire.DDLEvent{Epoch: 1, Seq: 3}, true},
		{"discontinuous DDL event sequence", 2, &wire.DDLEvent{Epoch: 1, Seq: 4}, false},
		{"continuous batch DML event sequence", 3, &wire.BatchDMLEvent{DMLs: []wire.DMLEvent{{Epoch: 1, Seq: 4}, {Epoch: 1, Seq: 5}}}, true},
		{"discontinuous batch DML event sequence", 3, &wire.BatchDMLEvent{DMLs: []wire.DMLEvent{{Epoch: 1, Seq: 5}, {Epoch: 1, Seq: 6}}}, false},
		{"discontinuous sync point event sequence", 3, &wire.SyncPointEvent{Epoch: 1, Seq: 5, CommitTs: 100}, false},
		{"continuous resolved ts event sequence", 4, &wire.ResolvedEvent{Epoch: 1, Seq: 4, ResolvedTs: 100}, true},
		{"discontinuous resolved ts event sequence", 4, &wire.ResolvedEvent{Epoch: 1, Seq: 3, ResolvedTs: 100}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, st := ruleStat(1, c.last)
			require.Equal(t, c.ok, s.verifyEventSequence(c.ev, st))
		})
	}
}

// TiCDC: downstreamadapter/eventcollector/dispatcher_stat_test.go
// TestFilterAndUpdateEventByCommitTs.
//
// Below the watermark nothing passes; at it, a DDL or sync point only if
// none passed there yet; above it everything, and the flags clear; a
// resolved event passes without moving the watermark. The model applies
// the rule to each DML of a batch (datapath.go), so the batch case runs
// its two DMLs through it.
func TestTiCDCFilterAndUpdateEventByCommitTs(t *testing.T) {
	cases := []struct {
		name              string
		last              wire.Ts
		gotDDL, gotSync   bool
		events            []wire.Event
		ok                bool
		wantDDL, wantSync bool
		wantLast          wire.Ts
	}{
		{"event with commit ts less than last commit ts", 100, false, false,
			[]wire.Event{&wire.DMLEvent{CommitTs: 90}}, false, false, false, 100},
		{"DDL event with same commit ts and already got DDL", 100, true, false,
			[]wire.Event{&wire.DDLEvent{FinishedTs: 100}}, false, true, false, 100},
		{"DDL event with same commit ts and not got DDL", 100, false, false,
			[]wire.Event{&wire.DDLEvent{FinishedTs: 100}}, true, true, false, 100},
		{"SyncPoint event with same commit ts and already got SyncPoint", 101, false, true,
			[]wire.Event{&wire.SyncPointEvent{CommitTs: 101}}, false, false, true, 101},
		{"SyncPoint event with same commit ts and not got SyncPoint", 101, false, false,
			[]wire.Event{&wire.SyncPointEvent{CommitTs: 101}}, true, false, true, 101},
		{"DML event with larger commit ts", 100, true, true,
			[]wire.Event{&wire.DMLEvent{CommitTs: 110}}, true, false, false, 110},
		{"BatchDML event with larger commit ts", 100, true, true,
			[]wire.Event{&wire.DMLEvent{CommitTs: 110}, &wire.DMLEvent{CommitTs: 110}}, true, false, false, 110},
		{"Resolved event with larger commit ts", 100, true, true,
			[]wire.Event{&wire.ResolvedEvent{ResolvedTs: 110}}, true, false, false, 100},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, st := ruleStat(1, 1)
			s.lastEventCommitTs.Store(uint64(c.last))
			s.gotDDLOnTs.Store(c.gotDDL)
			s.gotSyncpointOnTS.Store(c.gotSync)
			ok := true
			for _, ev := range c.events {
				ok = ok && s.shouldForwardEventByCommitTs(ev)
			}
			if ok {
				s.updateCommitTsStateByEvents(st, c.events)
			}
			require.Equal(t, c.ok, ok)
			require.Equal(t, c.wantDDL, s.gotDDLOnTs.Load())
			require.Equal(t, c.wantSync, s.gotSyncpointOnTS.Load())
			require.Equal(t, uint64(c.wantLast), s.lastEventCommitTs.Load())
		})
	}
}

// TiCDC: downstreamadapter/eventcollector/dispatcher_stat_test.go
// TestUpdateCommitTsStateByEvents.
//
// A resolved event then a DML above the watermark: the watermark moves to
// the DML, the flags clear, the epoch's max event ts follows.
func TestTiCDCUpdateCommitTsStateByEvents(t *testing.T) {
	s, st := ruleStat(1, 1)
	s.lastEventCommitTs.Store(100)
	s.gotDDLOnTs.Store(true)
	s.gotSyncpointOnTS.Store(true)
	st.maxEventTs.Store(100)
	s.updateCommitTsStateByEvents(st, []wire.Event{&wire.ResolvedEvent{ResolvedTs: 105}, &wire.DMLEvent{CommitTs: 110}})
	require.EqualValues(t, 110, s.lastEventCommitTs.Load())
	require.False(t, s.gotDDLOnTs.Load())
	require.False(t, s.gotSyncpointOnTS.Load())
	require.EqualValues(t, 110, st.maxEventTs.Load())
}

// TiCDC: downstreamadapter/eventcollector/dispatcher_stat_test.go
// TestIsFromCurrentEpoch.
//
// An event belongs to the record of its epoch, whatever the seq; every
// DML of a batch must.
func TestTiCDCIsFromCurrentEpoch(t *testing.T) {
	cases := []struct {
		name        string
		ev          wire.Event
		epoch, last uint64
		ok          bool
	}{
		{"first event is not handshake but epoch matches", &wire.ResolvedEvent{Epoch: 1}, 1, 0, true},
		{"first event is handshake", &wire.HandshakeEvent{Epoch: 1}, 1, 0, true},
		{"subsequent event with correct epoch", &wire.DMLEvent{Epoch: 1}, 1, 1, true},
		{"stale epoch event", &wire.ResolvedEvent{Epoch: 1}, 2, 1, false},
		{"batch dml with correct epoch", &wire.BatchDMLEvent{DMLs: []wire.DMLEvent{{Epoch: 2}, {Epoch: 2}}}, 2, 5, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, st := ruleStat(c.epoch, c.last)
			require.Equal(t, c.ok, isFromCurrentEpoch(c.ev, st))
		})
	}
}
