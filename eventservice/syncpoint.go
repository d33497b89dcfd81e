package eventservice

import "github.com/cdcsim/cdcsim/wire"

// This file emits sync points at the changefeed's cadence (TiCDC
// pkg/eventservice event_broker.go hasSyncPointEventsBeforeTs and
// emitSyncPointEventIfNeeded; dispatcher_stat.go newDispatcherStat).
//
// A record whose request enabled sync points keeps nextSyncPoint, first
// the request's SyncPointTs (the collector computed it from the start or
// reset ts and the interval: session.CalculateStartSyncPointTs). Before
// the service sends anything at a ts strictly above nextSyncPoint, a DML,
// a DDL or a resolved ts, it sends a SyncPoint at nextSyncPoint, with the
// next seq, and moves nextSyncPoint on by the interval, as many times as
// the ts passes. So a sync point at T follows every transaction with
// commitTs <= T and precedes every one above it, and the sync points of
// one epoch are SyncPointTs, SyncPointTs+interval, ... with none missing.

// hasSyncPointEventsBeforeTs reports whether a sync point is due before
// an event at ts.
func (d *dispatcherStat) hasSyncPointEventsBeforeTs(ts wire.Ts) bool {
	return d.enableSyncPoint && ts > d.nextSyncPoint
}

// emitSyncPointEventIfNeeded sends every sync point below ts that is
// due. Called with mu held, after the handshake.
func (c *eventBroker) emitSyncPointEventIfNeeded(ts wire.Ts, d *dispatcherStat) {
	for d.hasSyncPointEventsBeforeTs(ts) {
		commitTs := d.nextSyncPoint
		d.nextSyncPoint += d.syncPointInterval
		c.covered("eventservice/syncpoint/sent")
		seq := d.nextSeq()
		c.tracef("SyncPoint %s epoch=%d seq=%d ts=%d", d.id, d.epoch, seq, commitTs)
		c.enqueue(d, &wire.SyncPointEvent{DispatcherID: d.id, Epoch: d.epoch, Seq: seq, CommitTs: commitTs})
	}
}
