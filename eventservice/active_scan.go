package eventservice

import (
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/fault"
	"github.com/cdcsim/cdcsim/wire"
)

// This file is what REMOVE and RESET do to work in flight on a record
// (TiCDC pkg/eventservice event_broker.go and dispatcher_stat.go:
// beginActiveScan, markRemoved, cleanupLargeTxnState,
// retryPendingLargeTxnCleanup, runLargeTxnCleanupWorker).
//
// TiCDC's scan reads the event store under no broker lock, so a REMOVE
// or a RESET of its dispatcher can be handled while it reads. markRemoved
// sets the record's removed flag and cancels the scan's context, the scan
// checks the flag before each event it would send, and so nothing of a
// removed or replaced record goes out after its removal. The state the
// scan held (TiCDC's spill of a large transaction) is then freed
// (cleanupLargeTxnState); a failed cleanup puts the record in a retry
// queue that a worker retries every 10 s.
//
// The model's scans normally run whole under the broker's lock, so
// nothing can interleave with them. At site fault.ScanReadSlow a scan's
// read takes up to 2 s instead: the record holds an activeScan (the
// changes read, standing for the state TiCDC's scan holds), the read
// finishes on a task of its own, and meanwhile the record's other
// triggers skip their scans (TiCDC's busy scan state). markRemoved
// cancels it; the read then finds it cancelled and sends nothing. The
// cleanup of a cancelled scan's state fails at site fault.CleanupFails,
// and the record waits in pendingLargeTxnCleanup.

// scanReadSlowMax bounds a slow event-store read (fault.ScanReadSlow).
const scanReadSlowMax = 2 * time.Second

// activeScan is a scan of a record whose event-store read is under way.
type activeScan struct {
	end     wire.Ts  // the scan's upper bound
	changes []Change // what the read returned; the state a cleanup frees
	offset  int      // rows of changes[0] sent before (a resumed large transaction)
	// cancelled: markRemoved ran while the read was under way.
	cancelled bool
}

// beginActiveScan starts the slow read of (d.sentResolvedTs, end]: the
// changes are sent, with the resolved ts, when it finishes, unless the
// record was removed meanwhile. Called with mu held.
func (c *eventBroker) beginActiveScan(d *dispatcherStat, end wire.Ts, changes []Change, offset int) {
	delay := time.Duration(1 + c.rt.Rand(fault.ScanReadSlow).Int64N(int64(scanReadSlowMax)))
	a := &activeScan{end: end, changes: changes, offset: offset}
	d.activeScan = a
	c.covered("eventservice/scan/slow-read")
	c.tracef("scan %s epoch=%d: event-store read of (%d, %d] takes %s", d.id, d.epoch, d.sentResolvedTs, end, delay)
	c.rt.Go("eventservice/scan-read", func() {
		c.rt.Sleep(delay)
		c.mu.Lock()
		defer c.mu.Unlock()
		c.finishActiveScan(d, a)
	})
}

// finishActiveScan sends what the read returned, unless the scan was
// cancelled (the record removed or replaced), as TiCDC's doScan stops at
// isRemoved. Called with mu held.
func (c *eventBroker) finishActiveScan(d *dispatcherStat, a *activeScan) {
	if a.cancelled || d.isRemoved {
		c.tracef("scan %s epoch=%d: read finished after the record was removed, nothing sent", d.id, d.epoch)
		return
	}
	d.activeScan = nil
	c.sendScanned(d, a.changes, a.offset, a.end)
	if d.pendingScan {
		// Low-latency mode's continuation (scan.go, scanReady); an
		// interrupted scan has asked for its own already.
		d.pendingScan = false
		if d.scanProgress != nil {
			return
		}
		c.tracef("scan %s epoch=%d: low-latency continuation", d.id, d.epoch)
		c.requestScan(d)
	}
}

// markRemoved is TiCDC's dispatcherStat.markRemoved followed by the
// broker's cleanupLargeTxnState: the record stops (isRemoved), a scan
// under way is cancelled, and the state it held is freed or queued for a
// retry. REMOVE, the sweep and a RESET's replacement of the old record
// all come here. Called with mu held.
func (c *eventBroker) markRemoved(d *dispatcherStat) {
	d.isRemoved = true
	if a := d.activeScan; a != nil && !a.cancelled {
		a.cancelled = true
		c.covered("eventservice/scan/cancelled")
		c.tracef("scan %s epoch=%d cancelled: record removed during its read", d.id, d.epoch)
	}
	if !c.cleanupLargeTxnState(d) {
		c.tracef("cleanup of %s epoch=%d failed, queued for retry", d.id, d.epoch)
	}
}

// cleanupLargeTxnState frees the state a record's cancelled scan held
// and reports whether it could: at fault.CleanupFails it fails, and the
// record joins pendingLargeTxnCleanup (once), whose worker is started on
// the first failure. Called with mu held.
func (c *eventBroker) cleanupLargeTxnState(d *dispatcherStat) bool {
	if d.activeScan == nil {
		return true
	}
	if c.rt.Buggify(fault.CleanupFails) {
		c.covered("eventservice/cleanup/failed")
		for _, p := range c.pendingLargeTxnCleanup {
			if p == d {
				return false
			}
		}
		c.pendingLargeTxnCleanup = append(c.pendingLargeTxnCleanup, d)
		c.startLargeTxnCleanupWorker()
		return false
	}
	d.activeScan = nil
	return true
}

// retryPendingLargeTxnCleanup retries every queued cleanup, in the order
// they failed, and keeps the ones that fail again. Called with mu held.
func (c *eventBroker) retryPendingLargeTxnCleanup() {
	kept := c.pendingLargeTxnCleanup[:0]
	for _, d := range c.pendingLargeTxnCleanup {
		if c.cleanupLargeTxnState(d) {
			c.covered("eventservice/cleanup/retried")
			c.tracef("cleanup of %s epoch=%d retried: done", d.id, d.epoch)
			continue
		}
		kept = append(kept, d)
	}
	clear(c.pendingLargeTxnCleanup[len(kept):])
	c.pendingLargeTxnCleanup = kept
}

// startLargeTxnCleanupWorker starts TiCDC's runLargeTxnCleanupWorker,
// which retries the queue every Config.LargeTxnCleanupRetryInterval. TiCDC
// starts it with the broker; the model starts it on the first failed
// cleanup, so that a run without one has no extra ticker (and keeps its
// trace). It ends with the node.
func (c *eventBroker) startLargeTxnCleanupWorker() {
	if c.cleanupWorker {
		return
	}
	c.cleanupWorker = true
	c.rt.Go("eventservice/cleanup-retry", func() {
		clock.Every(c.rt, "eventservice/cleanup-tick", c.cfg.LargeTxnCleanupRetryInterval, func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.retryPendingLargeTxnCleanup()
		})
	})
}
