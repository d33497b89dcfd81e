package eventservice

import (
	"fmt"
	"slices"

	"github.com/cdcsim/cdcsim/fault"
	"github.com/cdcsim/cdcsim/internal/tiassert"
	"github.com/cdcsim/cdcsim/wire"
)

// This file is the bootstrap and data plane (PROTOCOL.md 3.3 "resolved-ts
// notify" row and last paragraph, 3.6): Ready back-off, Handshake, scans
// and their seqs. Everything runs on the scan task with the broker's
// mutex held.

// onScanTick is one ScanInterval tick: the event store polls the upstream
// and notifies the dispatchers of every subscription whose resolved ts
// moved, then the table-trigger dispatchers are ticked.
func (c *eventBroker) onScanTick() {
	c.eventStore.advance(c.onNotify)
	c.tickTableTriggerDispatchers()
}

// onNotify is the event store's notifier: it loads the slot's current
// record, as TiCDC's closure loads its atomic pointer, and scans if the
// resolved ts moved for it.
func (c *eventBroker) onNotify(slot *dispatcherSlot, ts wire.Ts) {
	d := slot.stat
	if d.isRemoved || !d.onResolvedTs(ts) {
		return
	}
	c.scanReady(d)
}

// scanNow runs a scan requested at once (after a RESET), unless the
// record was replaced or removed since. requestScan never asks it for a
// table-trigger record.
func (c *eventBroker) scanNow(d *dispatcherStat) {
	if d.isRemoved {
		return
	}
	if d.tableTrigger {
		panic(fmt.Sprintf("eventservice: scan requested for the table-trigger record %s", d.id))
	}
	c.scanReady(d)
}

// scanReady is the path of every trigger: Ready while epoch 0, else the
// Handshake if not yet sent, then the scan. Ready and Handshake come
// before any quota check (PROTOCOL.md 3.6).
func (c *eventBroker) scanReady(d *dispatcherStat) {
	if !c.checkAndSendReady(d) {
		return
	}
	c.sendHandshakeIfNeed(d)
	if d.activeScan != nil {
		c.covered("eventservice/scan/busy") // its read is under way: TiCDC's busy scan state
		if st := c.changefeedMap[d.info.ChangefeedID]; st != nil && st.lowLatencyMode && !d.pendingScan {
			// Low-latency mode keeps the trigger as one continuation
			// (TiCDC's dispatcherScanRunningPending), run once the read
			// ends; otherwise it is dropped and the next notify rescans.
			d.pendingScan = true
			c.covered("eventservice/scan/low-latency-pending")
		}
		return
	}
	c.doScan(d)
}

// checkAndSendReady reports whether d may scan (epoch > 0). While epoch
// 0 it sends Ready if the back-off allows: the first at once, then after
// gaps of 2, 4, 8 s and then ReadyMaxInterval, each evaluated only when a
// trigger arrives. A record kept by patch h3 first retries the schema
// store: nothing goes out for a table that is not registered.
func (c *eventBroker) checkAndSendReady(d *dispatcherStat) bool {
	if !d.tableRegistered && !c.maybeRegisterTable(d) {
		return false
	}
	if d.epoch != 0 {
		return true
	}
	now := c.rt.Now()
	if now.Sub(d.lastReadySendTime) < d.readyInterval {
		return false
	}
	c.covered("eventservice/ready/sent")
	c.tracef("Ready %s to %s (next after %s)", d.id, d.info.ServerID, min(2*d.readyInterval, c.cfg.ReadyMaxInterval))
	c.enqueue(d, &wire.ReadyEvent{DispatcherID: d.id})
	d.lastReadySendTime = now
	d.readyInterval = min(2*d.readyInterval, c.cfg.ReadyMaxInterval)
	return false
}

// maybeRegisterTable retries the schema store for a record kept by patch
// h3 and reports whether it is registered now.
func (c *eventBroker) maybeRegisterTable(d *dispatcherStat) bool {
	if err := c.cfg.SchemaStore.RegisterTable(d.info.Span, d.startTs); err != nil {
		c.tracef("RegisterTable %s retry failed (patch h3): %v", d.id, err)
		return false
	}
	d.tableRegistered = true
	c.tracef("RegisterTable %s retry succeeded (patch h3)", d.id)
	return true
}

// sendHandshakeIfNeed starts the epoch: seq 1, ts = startTs.
func (c *eventBroker) sendHandshakeIfNeed(d *dispatcherStat) {
	if d.isHandshaked() {
		return
	}
	d.seq = 1
	version := uint64(0)
	if v, ok := c.cfg.Upstream.(TableInfoVersioner); ok {
		version = v.TableInfoVersion(d.info.Span, d.startTs)
	}
	c.covered("eventservice/handshake/sent")
	c.tracef("Handshake %s epoch=%d ts=%d to %s", d.id, d.epoch, d.startTs, d.info.ServerID)
	c.enqueue(d, &wire.HandshakeEvent{DispatcherID: d.id, Epoch: d.epoch, Seq: 1, ResolvedTs: d.startTs, TableInfoVersion: version})
}

// doScan sends what the upstream holds in (sentResolvedTs,
// receivedResolvedTs]. A range without DMLs and DDLs needs no event-store
// scan, so no quota: its sync points and the new resolved ts go out at
// once. Otherwise the changefeed quota for the collector must be set and,
// like the dispatcher's own, cover the scan limit; a scan skipped for
// lack of quota may resend the last watermark (sendSignalResolvedTs).
func (c *eventBroker) doScan(d *dispatcherStat) {
	start, end := d.sentResolvedTs, d.receivedResolvedTs
	if end <= start {
		c.sendSignalResolvedTs(d)
		return
	}
	changes, offset := c.readChanges(d, start, end)
	if hasData(changes) {
		status := c.changefeedMap[d.info.ChangefeedID]
		quota, ok := uint64(0), false
		if status != nil {
			quota, ok = status.availableMemoryQuota[d.info.ServerID]
		}
		switch {
		case !ok:
			c.covered("eventservice/scan/no-quota")
			c.tracef("scan %s skipped: no quota for %s yet", d.id, d.info.ServerID)
			return
		case quota < c.cfg.ScanLimitBytes || d.availableMemoryQuota < c.cfg.ScanLimitBytes:
			c.covered("eventservice/scan/low-quota")
			c.tracef("scan %s skipped: quota changefeed=%d dispatcher=%d", d.id, quota, d.availableMemoryQuota)
			c.sendSignalResolvedTs(d)
			return
		}
		// Only a range with data reads the event store (TiCDC's
		// GetIterator); the rest is answered from the watermarks.
		c.eventStore.checkScanRange(c.cfg.Node, d.id, start, end)
		if c.rt.Buggify(fault.ScanReadSlow) {
			c.beginActiveScan(d, end, changes, offset)
			return
		}
	}
	c.sendScanned(d, changes, offset, end)
}

// readChanges reads what the scan of (start, end] sends: from start, or,
// after a scan interrupted inside a large transaction, from that
// transaction's remaining rows on (large_txn.go), the offset being how
// many of the first change's rows were sent already.
func (c *eventBroker) readChanges(d *dispatcherStat, start, end wire.Ts) ([]Change, int) {
	p := d.scanProgress
	if p == nil {
		changes := c.cfg.Upstream.Changes(d.info.Span, start, end)
		checkChanges(d, changes, start, end)
		return changes, 0
	}
	changes := c.cfg.Upstream.Changes(d.info.Span, p.commitTs-1, end)
	checkChanges(d, changes, p.commitTs-1, end)
	return resumeChanges(d, p, changes)
}

// sendScanned sends what a scan read and, unless it stopped inside a large
// transaction, the resolved ts at its upper bound.
func (c *eventBroker) sendScanned(d *dispatcherStat, changes []Change, offset int, end wire.Ts) {
	d.scanProgress = nil
	if c.emitChanges(d, changes, offset) {
		return
	}
	c.sendResolvedTs(d, end)
}

func hasData(changes []Change) bool {
	return slices.ContainsFunc(changes, func(ch Change) bool { return ch.Kind == KindDML || ch.Kind == KindDDL })
}

// checkChanges asserts what the Upstream promised: commitTs order inside
// (after, upto].
func checkChanges(d *dispatcherStat, changes []Change, after, upto wire.Ts) {
	prev := after
	for _, ch := range changes {
		if ch.CommitTs <= after || ch.CommitTs > upto || ch.CommitTs < prev {
			panic(fmt.Sprintf("eventservice: upstream change %s at %d for %s is out of order or outside (%d, %d]",
				ch.Kind, ch.CommitTs, d.id, after, upto))
		}
		prev = ch.CommitTs
	}
}

// emitChanges sends changes in commitTs order, each taking the next seq:
// runs of consecutive DMLs go in BatchDMLEvents of at most MaxDMLBatch,
// cut before every sync point due (syncpoint.go). The first change's
// rows start at offset (a resumed large transaction). It reports whether
// it stopped inside a large transaction (large_txn.go): then the rest
// waits for the next scan.
func (c *eventBroker) emitChanges(d *dispatcherStat, changes []Change, offset int) (interrupted bool) {
	var batch []wire.DMLEvent
	dropTs, dropped := c.droppedAt(d)
	flush := func() {
		if len(batch) > 0 {
			m := c.batches.New()
			m.DispatcherID, m.DMLs = d.id, batch
			c.enqueue(d, m)
			batch = nil
		}
	}
	for i, ch := range changes {
		switch ch.Kind {
		case KindDML:
			if dropped && ch.CommitTs >= dropTs {
				// TiCDC's getTableInfo4Txn: the table is deleted at this
				// ts, the transaction is skipped; the scan's resolved ts
				// (at or above it) takes its place.
				c.covered("eventservice/scan/dropped-table-dml")
				c.tracef("scan %s: DML at %d of table %d skipped, dropped at %d", d.id, ch.CommitTs, d.info.Span.TableID, dropTs)
				continue
			}
			if d.hasSyncPointEventsBeforeTs(ch.CommitTs) {
				flush()
				c.emitSyncPointEventIfNeeded(ch.CommitTs, d)
			}
			from := 0
			if i == 0 {
				from = offset
			}
			rows, split := ch.Rows[from:], c.canSplit(d, changes, i, from)
			if split {
				rows = rows[:c.cfg.LargeTxnThresholdRows]
			}
			if batch == nil { // sized once: at most the changes left, at most a full batch
				batch = c.dmls.Make(min(len(changes)-i, c.cfg.MaxDMLBatch))[:0]
			}
			batch = append(batch, wire.DMLEvent{DispatcherID: d.id, Epoch: d.epoch, Seq: d.nextSeq(),
				CommitTs: ch.CommitTs, StartTs: ch.StartTs, Rows: c.rows.Clone(rows)})
			if split {
				flush()
				c.interruptScan(d, ch, from+len(rows))
				return true
			}
			if len(batch) == c.cfg.MaxDMLBatch {
				flush()
			}
		case KindDDL:
			flush()
			c.emitSyncPointEventIfNeeded(ch.CommitTs, d)
			c.enqueue(d, &wire.DDLEvent{DispatcherID: d.id, Epoch: d.epoch, Seq: d.nextSeq(),
				FinishedTs: ch.CommitTs, TableInfoVersion: ch.TableInfoVersion})
		case KindSyncPoint:
			flush()
			c.enqueue(d, &wire.SyncPointEvent{DispatcherID: d.id, Epoch: d.epoch, Seq: d.nextSeq(), CommitTs: ch.CommitTs})
		default:
			tiassert.Failf("pkg/eventservice/event_broker.go:doScan", "unknown event type",
				"node %s, dispatcher %s, upstream change of kind %s at %d", c.cfg.Node, d.id, ch.Kind, ch.CommitTs)
		}
	}
	flush()
	if len(changes) > 0 && c.cfg.Trace != nil { // per scan: no boxing when untraced
		c.tracef("scan %s epoch=%d: %d changes, seq now %d", d.id, d.epoch, len(changes), d.seq)
	}
	return false
}

// droppedAt is the drop ts of d's table, if the upstream tells
// (TableDropper) and the table was dropped.
func (c *eventBroker) droppedAt(d *dispatcherStat) (wire.Ts, bool) {
	td, ok := c.cfg.Upstream.(TableDropper)
	if !ok || d.info.Span.TableID == 0 {
		return 0, false
	}
	return td.DroppedAt(d.info.Span.TableID)
}

// sendResolvedTs sends watermark with the epoch's current seq, which does
// not advance: a lost data event cannot be covered by a later resolved
// ts (PR #2558).
func (c *eventBroker) sendResolvedTs(d *dispatcherStat, watermark wire.Ts) {
	if watermark < d.sentResolvedTs {
		panic(fmt.Sprintf("eventservice: resolved ts of %s would go back from %d to %d", d.id, d.sentResolvedTs, watermark))
	}
	if d.scanProgress != nil {
		panic(fmt.Sprintf("eventservice: resolved ts %d of %s while a transaction at %d is half sent", watermark, d.id, d.scanProgress.commitTs))
	}
	c.emitSyncPointEventIfNeeded(watermark, d)
	c.enqueueResolved(d, wire.ResolvedEvent{DispatcherID: d.id, Epoch: d.epoch, Seq: d.seq, ResolvedTs: watermark})
	d.sentResolvedTs = watermark
	d.lastSentResolvedTsTime = c.rt.Now()
}

// sendSignalResolvedTs resends the last watermark while scans are
// skipped, at most once per SignalResolvedInterval, so the collector
// knows the stream is alive; never while a large transaction is half
// sent (large_txn.go), as TiCDC's checks its scan progress.
func (c *eventBroker) sendSignalResolvedTs(d *dispatcherStat) {
	if c.rt.Now().Sub(d.lastSentResolvedTsTime) < c.cfg.SignalResolvedInterval || d.scanProgress != nil {
		return
	}
	c.sendResolvedTs(d, d.sentResolvedTs)
}

// tickTableTriggerDispatchers ticks every table-trigger record, in ID
// order: Ready while epoch 0, else the Handshake and its DDLs.
func (c *eventBroker) tickTableTriggerDispatchers() {
	for _, slot := range sortedSlots(c.tableTriggerDispatchers) {
		c.scanTableTrigger(slot.stat)
	}
}

// scanTableTrigger reads the trigger span's DDLs and sync points up to
// the upstream's resolved ts. No quota is checked, as in TiCDC.
func (c *eventBroker) scanTableTrigger(d *dispatcherStat) {
	if !c.checkAndSendReady(d) {
		return
	}
	c.sendHandshakeIfNeed(d)
	start := d.sentResolvedTs
	end := c.cfg.Upstream.ResolvedTs(d.info.Span)
	d.receivedResolvedTs = max(d.receivedResolvedTs, end)
	if end <= start {
		return
	}
	changes := c.cfg.Upstream.Changes(d.info.Span, start, end)
	checkChanges(d, changes, start, end)
	if slices.ContainsFunc(changes, func(ch Change) bool { return ch.Kind == KindDML }) {
		panic(fmt.Sprintf("eventservice: upstream returned a DML for the table-trigger span of %s", d.id))
	}
	c.sendScanned(d, changes, 0, end)
}
