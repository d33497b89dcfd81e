package workloads

import (
	"fmt"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/session"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
)

// applyModelKnobs passes the run configuration's model knobs to the
// cluster a workload starts: the changefeed's sync-point interval
// (changefeed.syncpoint-interval, in the model's millisecond Ts) and the
// rate of large transactions (upstream.large-txn-p). A knob left at 0
// keeps what the workload chose.
func applyModelKnobs(sc sim.Config, cfg *cluster.Config) {
	if iv := wire.Ts(sc.SyncPointInterval / time.Millisecond); iv > 0 {
		cfg.Options.EnableSyncPoint, cfg.Options.SyncPointInterval = true, iv
	}
	if sc.LargeTxnP > 0 {
		cfg.Upstream.LargeTxnP = sc.LargeTxnP
	}
}

// syncPointCursor is I27's place along one sink's Handed.
type syncPointCursor struct {
	n    int
	last cluster.Forwarded // the last sync point accepted
	any  bool
}

// CheckI27SyncPointCadence: the sync points a sink accepted are those of
// its changefeed's cadence (TiCDC pkg/eventservice event_broker.go
// emitSyncPointEventIfNeeded; downstreamadapter/syncpoint
// CalculateStartSyncPointTs):
//   - none at all without sync points enabled;
//   - each at a multiple of the interval;
//   - each at or above the resetTs of the RESET that opened its epoch
//     (the sink checkpoint when the RESET was decided), and above it when
//     that RESET restarted from the dispatcher's start ts and the
//     dispatcher skips the sync point there: the service starts an epoch
//     at the RESET's SyncPointTs, never below;
//   - in commit-ts order with none missing: after a sync point at T the
//     next one accepted above T is at T + interval. One at T again is a
//     copy from a later epoch (I17 explains it); one below T fails.
//
// Reads the sinks' histories incrementally (st.changes) and the RESETs
// Observe saw (I17's list). Install with every=1, after I17.
func CheckI27SyncPointCadence(c *cluster.Cluster, st *CheckState) error {
	for _, i := range st.changes(c) {
		d, ds := c.Dispatchers[i], st.at(c, i)
		cur := &ds.syncPoints
		for _, f := range d.Handed[cur.n:] {
			cur.n++
			if f.Kind != "SyncPoint" {
				continue
			}
			if err := checkSyncPoint(d, ds, cur, f); err != nil {
				return fmt.Errorf("dispatcher %s on %s: %w", d.ID(), d.Node(), err)
			}
			cur.last, cur.any = f, true
		}
	}
	return nil
}

// checkSyncPoint is I27 for one accepted sync point f.
func checkSyncPoint(d *cluster.Dispatcher, ds *dispatcherState, cur *syncPointCursor, f cluster.Forwarded) error {
	opts := d.RequestOptions()
	iv := opts.SyncPointInterval
	if !opts.EnableSyncPoint || iv == 0 {
		return fmt.Errorf("sink accepted %s, but the changefeed has no sync points", fmtForwarded(f))
	}
	if f.CommitTs%iv != 0 {
		return fmt.Errorf("sink accepted %s: not a multiple of the interval %d", fmtForwarded(f), iv)
	}
	if r, ok := resetOf(ds.dups.resets, f.Epoch); ok {
		first := session.CalculateStartSyncPointTs(r.resetTs, iv, r.resetTs == d.StartTs() && d.SkipSyncpointAtStartTs())
		if f.CommitTs < first {
			return fmt.Errorf("sink accepted %s below epoch %d's first sync point %d (RESET to %s from %d)",
				fmtForwarded(f), f.Epoch, first, r.to, r.resetTs)
		}
	}
	if !cur.any {
		return nil
	}
	switch prev := cur.last; {
	case f.CommitTs < prev.CommitTs:
		return fmt.Errorf("sink accepted %s after %s: sync points out of commit-ts order", fmtForwarded(f), fmtForwarded(prev))
	case f.CommitTs == prev.CommitTs && f.Epoch <= prev.Epoch:
		return fmt.Errorf("sink accepted %s twice in epoch %d", fmtForwarded(f), f.Epoch)
	case f.CommitTs > prev.CommitTs && f.CommitTs != prev.CommitTs+iv:
		return fmt.Errorf("sink accepted %s after %s: the sync point at %d is missing (interval %d)",
			fmtForwarded(f), fmtForwarded(prev), prev.CommitTs+iv, iv)
	}
	return nil
}
