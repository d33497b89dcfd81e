package workloads

import (
	"fmt"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/eventservice"
	"github.com/cdcsim/cdcsim/wire"
)

// The checkers of what reached each dispatcher's sink: the ordering
// (I3, I4) of the events it accepted (Dispatcher.Handed), and no data
// loss (I5) against the upstream's ground truth. They read the
// dispatchers' recorded histories directly: under the simulator checks
// run between steps, when no task holds a dispatcher's guard.

// CheckI3CurrentEpochInOrder: only events of the session's current epoch
// reach the sink; every epoch starts with its handshake (seq 1), so data
// carries seq >= 2; and within an epoch the accepted events carry
// consecutive seqs, with no gap or repeat, once the first one was
// accepted (PROTOCOL.md 5 I3, 3.4).
//
// Why consecutive after the first: the commitTs dedup (3.4 step 4) and
// the dispatcher's stale-event filter may withhold events that passed the
// sequence check, but both withhold only events below a watermark that
// the epoch's own accepted events and resolved ts can only raise, while
// an epoch's events come in commitTs order; so what they withhold is a
// prefix of the epoch. A hole after an accepted event means something
// following a gap was forwarded.
//
// It must run after every step: the newly accepted events are compared
// with the session's epoch at that moment. An epoch only changes inside a
// transition, which is entered through requestMu (a scheduling point), so
// events accepted in the step just run belong to the epoch the session
// has when the step ends. After the session is gone (removed, node
// restarted) only the order along the sink's history is checked.
func CheckI3CurrentEpochInOrder(c *cluster.Cluster, st *CheckState) error {
	for _, i := range st.changes(c) {
		d, ds := c.Dispatchers[i], st.at(c, i)
		if ds.i3.n == len(d.Handed) {
			continue
		}
		snap, live := snapshot(c, d) // only when the sink moved: not cached
		for _, f := range d.Handed[ds.i3.n:] {
			if err := checkEpochSeq(&ds.i3, f, syncPointInterval(d)); err != nil {
				return fmt.Errorf("dispatcher %s on %s: %w", d.ID(), d.Node(), err)
			}
			if live && f.Epoch != snap.Epoch {
				return fmt.Errorf("dispatcher %s on %s: sink accepted %s of epoch %d while the session is at epoch %d",
					d.ID(), d.Node(), fmtForwarded(f), f.Epoch, snap.Epoch)
			}
			if live && f.Epoch == snap.Epoch && f.Seq > snap.LastEventSeq {
				return fmt.Errorf("dispatcher %s on %s: sink accepted %s beyond the session's last seq %d",
					d.ID(), d.Node(), fmtForwarded(f), snap.LastEventSeq)
			}
			ds.i3.advance(f)
		}
	}
	return nil
}

// checkEpochSeq is I3 along the sink's history, ds.last being the event
// accepted before f. One hole is allowed with sync points on (interval
// > 0): the sync point at the last event's commitTs, which follows the
// DMLs there and which the collector withholds when an earlier epoch
// forwarded it already (gotSyncpointOnTS, the cross-epoch dedup of
// PROTOCOL.md 3.4 step 4): TestSyncPoints seed 17 met it after a RESET
// from just below that commitTs.
func checkEpochSeq(ds *handedCursor, f cluster.Forwarded, interval wire.Ts) error {
	switch {
	case f.Epoch == 0:
		return fmt.Errorf("sink accepted %s of epoch 0 (no RESET yet)", fmtForwarded(f))
	case f.Seq < 2:
		return fmt.Errorf("sink accepted %s: seq %d, but data follows the handshake (seq 1)", fmtForwarded(f), f.Seq)
	case !ds.anyHanded:
		return nil
	case f.Epoch < ds.last.Epoch:
		return fmt.Errorf("sink accepted %s after %s: the epoch went back", fmtForwarded(f), fmtForwarded(ds.last))
	case f.Epoch == ds.last.Epoch && f.Seq == ds.last.Seq+2 && interval > 0 && ds.last.CommitTs%interval == 0 && f.CommitTs > ds.last.CommitTs:
		return nil // the sync point at ds.last.CommitTs, withheld as forwarded before
	case f.Epoch == ds.last.Epoch && f.Seq != ds.last.Seq+1:
		return fmt.Errorf("sink accepted %s after %s in the same epoch: seq gap or repeat", fmtForwarded(f), fmtForwarded(ds.last))
	}
	return nil
}

// CheckI4CommitTsOrder: the commitTs of the events a sink accepted never
// goes backwards, except a DML at exactly the previous commitTs (known
// duplicates after a reset, #1901), and a DDL or a SyncPoint is accepted
// at most once per commitTs (PROTOCOL.md 5 I4, 3.4 step 4).
//
// It checks what the dispatcher accepted, not what the collector
// forwarded: after a reset below a forwarded DDL, a resolved ts above it
// clears the collector's gotDDLOnTs flag (as in TiCDC), so the resent DDL
// passes the collector's dedup again, and the dispatcher's stale-event
// filter (commitTs below its resolved ts) is what drops it. A DDL and a
// SyncPoint may share a commitTs.
//
// The collector's own line is checked apart, on what it offered before
// the dispatcher's filter: nothing below the highest commitTs offered
// before (cluster.Dispatcher.OfferedBack). Checking only what the sink
// accepted let a collector that never raised its watermark pass, since
// the stale filter dropped nearly every replayed event after it
// (dst mutate's survivor: updateCommitTsStateByEvents deleted).
func CheckI4CommitTsOrder(c *cluster.Cluster, st *CheckState) error {
	for _, i := range st.changes(c) {
		d, ds := c.Dispatchers[i], st.at(c, i)
		if d.OfferedBack > 0 {
			return fmt.Errorf("dispatcher %s on %s: the collector offered %s: below its watermark (%d such events)",
				d.ID(), d.Node(), d.FirstOfferedBack, d.OfferedBack)
		}
		for _, f := range d.Handed[ds.i4.n:] {
			if err := checkCommitTs(&ds.i4, f); err != nil {
				return fmt.Errorf("dispatcher %s on %s: %w", d.ID(), d.Node(), err)
			}
			ds.i4.advance(f)
		}
	}
	return nil
}

func checkCommitTs(ds *handedCursor, f cluster.Forwarded) error {
	if !ds.anyHanded || f.CommitTs > ds.last.CommitTs {
		return nil
	}
	switch {
	case f.CommitTs < ds.last.CommitTs:
		return fmt.Errorf("sink accepted %s after %s: commitTs went back", fmtForwarded(f), fmtForwarded(ds.last))
	case f.Kind == "DDL" && ds.ddlAtLast, f.Kind == "SyncPoint" && ds.syncAtLast:
		return fmt.Errorf("sink accepted %s twice at commitTs %d", f.Kind, f.CommitTs)
	}
	return nil
}

// handedCursor is how far a checker went along a sink's Handed: the
// first n events were checked, last is the n-th.
type handedCursor struct {
	n         int
	last      cluster.Forwarded
	anyHanded bool
	// ddlAtLast, syncAtLast: a DDL / SyncPoint was accepted at
	// last.CommitTs.
	ddlAtLast, syncAtLast bool
}

// advance moves the cursor past f.
func (ds *handedCursor) advance(f cluster.Forwarded) {
	if !ds.anyHanded || f.CommitTs > ds.last.CommitTs {
		ds.ddlAtLast, ds.syncAtLast = false, false
	}
	ds.ddlAtLast = ds.ddlAtLast || f.Kind == "DDL"
	ds.syncAtLast = ds.syncAtLast || f.Kind == "SyncPoint"
	ds.last, ds.anyHanded = f, true
	ds.n++
}

// CheckI5NoDataLoss: every upstream change of a dispatcher's span with
// startTs < commitTs <= the sink checkpoint was flushed by its sink
// (PROTOCOL.md 5 I5), a DML with every one of its rows: a transaction
// the event service split across events (eventservice large_txn.go) is
// whole only once its last fragment is flushed. The checkpoint is the sink's promise that
// everything up to it is written; a RESET restarts the stream from it,
// so a hole below it is never filled.
//
// Incremental: each call checks only (verified, checkpoint] and
// remembers the new bound, since what was flushed stays flushed. The
// checkpoint may step back by one (a DML at exactly the resolved ts
// re-accepted after a reset); ranges already checked are not rechecked.
// A merged dispatcher's start ts moves up at its commit, to the sources'
// smallest checkpoint then (TiCDC's doMerge); the range below its start
// ts is not checked (its sources covered it, each up to its checkpoint).
// Expensive: install it every few thousand steps; the simulator also runs
// it at the end of the run.
func CheckI5NoDataLoss(c *cluster.Cluster, st *CheckState) error {
	for i, d := range c.Dispatchers {
		ds := st.at(c, i)
		if ds.flushedAt == nil {
			ds.flushedAt, ds.flushedRows = map[wire.Ts]string{}, map[uint64]bool{}
		}
		for _, f := range d.Flushed[ds.flushed:] {
			if f.Kind == "SyncPoint" {
				continue // not an upstream change; I27 checks them
			}
			ds.flushedAt[f.CommitTs] = f.Kind
			for _, row := range f.Rows {
				ds.flushedRows[row] = true
			}
		}
		ds.flushed = len(d.Flushed)
		cp := d.CheckpointTs()
		if !ds.verified {
			ds.verifiedTo, ds.verified = d.StartTs(), true
		}
		ds.verifiedTo = max(ds.verifiedTo, d.StartTs())
		if cp <= ds.verifiedTo {
			continue
		}
		for _, ch := range c.Upstream.Expected(d.Span(), ds.verifiedTo, cp) {
			if got, want := ds.flushedAt[ch.CommitTs], kindName(ch.Kind); got != want {
				return fmt.Errorf("dispatcher %s on %s (span %s, start %d): lost the %s at commitTs %d below its checkpoint %d (flushed there: %q)",
					d.ID(), d.Node(), d.Span(), d.StartTs(), want, ch.CommitTs, cp, got)
			}
			for _, row := range ch.Rows {
				if !ds.flushedRows[row] {
					return fmt.Errorf("dispatcher %s on %s (span %s, start %d): lost row %d of the transaction at commitTs %d (%d rows) below its checkpoint %d",
						d.ID(), d.Node(), d.Span(), d.StartTs(), row, ch.CommitTs, len(ch.Rows), cp)
				}
			}
		}
		ds.verifiedTo = cp
	}
	return nil
}

// syncPointInterval is d's sync-point interval, 0 without sync points.
func syncPointInterval(d *cluster.Dispatcher) wire.Ts {
	if o := d.RequestOptions(); o.EnableSyncPoint {
		return o.SyncPointInterval
	}
	return 0
}

func kindName(k eventservice.ChangeKind) string {
	if k == eventservice.KindDDL {
		return "DDL"
	}
	return "DML"
}

func fmtForwarded(f cluster.Forwarded) string {
	return fmt.Sprintf("%s(commitTs=%d, epoch=%d, seq=%d)", f.Kind, f.CommitTs, f.Epoch, f.Seq)
}
