package eventservice

import (
	"fmt"
	"slices"

	"github.com/cdcsim/cdcsim/wire"
)

// This file splits a large transaction across events (TiCDC
// pkg/eventservice txn_scan_strategy.go splitTxnScanStrategy:
// canInterruptCurrentTxn, interruptCurrentTxn; event_scanner.go scan;
// scan_progress.go; event_broker.go sendSignalResolvedTs).
//
// When the request's TxnAtomicity allows a split (none, TiCDC's default)
// and a transaction holds more than LargeTxnThresholdRows rows, the scan
// that reaches it sends the rows up to the threshold as one DMLEvent
// (commitTs and startTs of the transaction, the next seq) and stops
// there: it publishes its progress (commitTs, startTs, rows sent), sends
// no resolved ts, and asks for another scan at once (TiCDC's finishScan
// re-enqueues an interrupted scan). The next scan resumes inside the
// transaction, after the rows sent, and may stop again. While a
// transaction is half sent no resolved ts goes out, not even the signal
// one (sendSignalResolvedTs skips while the progress names a
// transaction), so the collector's and the sink's checkpoint stay below
// its commitTs until its last fragment is through. TiCDC does not split
// at a commitTs that also holds a DDL (eventMerger.canInterrupt), nor
// does the model. A RESET starts a new record from its resetTs with no
// progress, so a transaction cut by a reset is sent again from its first
// row: at-least-once, as I17 explains.
//
// What TiCDC also does and the model leaves out: the split is by bytes
// of raw KV, not rows; an update that changes a unique key has its
// insert half spilled to disk and sent after the transaction's other
// rows (large_txn_spill.go) - the model's rows have no kind.

// scanProgress is where an interrupted scan stopped inside a transaction
// (TiCDC's scanProgress with a row-level position).
type scanProgress struct {
	commitTs, startTs wire.Ts
	// rowsSent counts the transaction's rows already sent.
	rowsSent int
}

// resumeChanges cuts changes, read from (p.commitTs-1, end], to what
// follows p: the changes before the interrupted transaction were sent by
// earlier scans, and so were its first p.rowsSent rows. It returns the
// changes and the offset of the first one's rows. changes is the
// upstream's and is not changed.
func resumeChanges(d *dispatcherStat, p *scanProgress, changes []Change) ([]Change, int) {
	i := slices.IndexFunc(changes, func(ch Change) bool {
		return ch.Kind == KindDML && ch.CommitTs == p.commitTs && ch.StartTs == p.startTs
	})
	if i < 0 || p.rowsSent >= len(changes[i].Rows) {
		panic(fmt.Sprintf("eventservice: %s resumes inside transaction (commitTs %d, startTs %d) after %d rows, which the upstream does not hold",
			d.id, p.commitTs, p.startTs, p.rowsSent))
	}
	return changes[i:], p.rowsSent
}

// canSplit reports whether the scan may stop inside ch, the i-th of
// changes, after threshold of its rows from offset.
func (c *eventBroker) canSplit(d *dispatcherStat, changes []Change, i, offset int) bool {
	ch := changes[i]
	if !d.info.TxnAtomicity.ShouldSplitTxn() || len(ch.Rows)-offset <= c.cfg.LargeTxnThresholdRows {
		return false
	}
	return !slices.ContainsFunc(changes, func(o Change) bool { return o.Kind == KindDDL && o.CommitTs == ch.CommitTs })
}

// interruptScan publishes the progress after a fragment of ch that ends
// at row sent, and asks for the next scan at once.
func (c *eventBroker) interruptScan(d *dispatcherStat, ch Change, sent int) {
	d.scanProgress = &scanProgress{commitTs: ch.CommitTs, startTs: ch.StartTs, rowsSent: sent}
	c.covered("eventservice/scan/txn-split")
	c.tracef("scan %s epoch=%d interrupted inside txn commitTs=%d startTs=%d after %d of %d rows",
		d.id, d.epoch, ch.CommitTs, ch.StartTs, sent, len(ch.Rows))
	c.requestScan(d)
}
