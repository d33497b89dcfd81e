package eventservice

import (
	"cmp"
	"math"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/wire"
)

// neverTime is the "last sent" time of something never sent: far enough
// in the past that any interval has elapsed, and safe to subtract from.
const neverTime = clock.Time(math.MinInt64 / 2)

// readyIntervalStart is the default first Ready back-off step
// (PROTOCOL.md 7, Config.ReadyStartInterval): the interval starts at 1 s
// and doubles after each send, so the gaps are 2, 4, 8, then the cap.
const readyIntervalStart = time.Second

// dispatcherSlot is TiCDC's atomic.Pointer[dispatcherStat]: the cell the
// broker's map and the event store's notifier share. A RESET swaps the
// record inside the slot, so the subscription keeps notifying whatever
// record is current; a REGISTER makes a new slot, so a record it
// overwrites stays reachable from its old subscription (PROTOCOL.md 6.3
// H1).
type dispatcherSlot struct {
	stat *dispatcherStat
}

// dispatcherStat is the event service's record of one dispatcher
// (PROTOCOL.md 1.7; TiCDC's pkg/eventservice dispatcherStat, not the
// collector's type of the same name). All fields are guarded by the
// broker's mutex.
type dispatcherStat struct {
	id wire.DispatcherID
	// info is the request that created the record (REGISTER or RESET):
	// changefeed, span, mode and ServerID, where every event goes.
	info wire.DispatcherRequest
	// epoch is fixed for the life of the record. Invariant: 0 after a
	// REGISTER, the RESET's epoch after a RESET.
	epoch uint64
	// seq is the last seq assigned in this epoch; 0 = not handshaked.
	// Invariant: epoch == 0 implies seq == 0.
	seq uint64
	// startTs is the handshake ts and the first scan's lower bound.
	startTs wire.Ts
	// checkpointTs is the max heartbeated checkpoint. Invariant: never
	// decreases within a record; copied on RESET.
	checkpointTs wire.Ts
	// sentResolvedTs is the lower bound of the next scan. Invariant: never
	// decreases; >= startTs.
	sentResolvedTs wire.Ts
	// receivedResolvedTs is the highest resolved ts the event store
	// notified: the upper bound of the next scan. Copied on RESET.
	receivedResolvedTs wire.Ts
	// isRemoved stops scans and notifications: set by REMOVE, the sweep,
	// or a RESET that replaced the record.
	isRemoved bool
	// activeScan is the scan whose event-store read is under way
	// (fault.ScanReadSlow), nil if none; after a cancellation, what its
	// cleanup has not freed yet (active_scan.go).
	activeScan *activeScan
	// tableTrigger marks the table-trigger span (TableID 0): no event
	// store, ticked every ScanInterval.
	tableTrigger bool
	// tableRegistered is false only under patch h3, while the schema
	// store has not yet accepted RegisterTable; no Ready goes out until
	// it has.
	tableRegistered bool
	// tableReleased: patch h6 released the registration when a REGISTER
	// overwrote this record; it stays tableRegistered, so it does not
	// register again, and its REMOVE (if any) does not release it twice.
	tableReleased bool

	lastReadySendTime         clock.Time
	readyInterval             time.Duration
	lastReceivedHeartbeatTime clock.Time
	lastSentResolvedTsTime    clock.Time
	// availableMemoryQuota is the per-dispatcher quota of the last
	// CongestionControl. It starts at the scan limit, as TiCDC's does,
	// so only the changefeed quota gates the first scans.
	availableMemoryQuota uint64
	messageWorkerIndex   int

	// enableSyncPoint, nextSyncPoint and syncPointInterval are the
	// request's sync-point fields (syncpoint.go): nextSyncPoint starts at
	// the request's SyncPointTs and moves by the interval as each sync
	// point goes out. Not copied on RESET: the RESET carries its own.
	enableSyncPoint   bool
	nextSyncPoint     wire.Ts
	syncPointInterval wire.Ts
	// scanProgress is where an interrupted scan stopped inside a large
	// transaction (large_txn.go); nil at a transaction boundary.
	scanProgress *scanProgress
	// pendingScan: low-latency mode kept a trigger that came while a scan
	// was under way, to run once it ends (dispatcherScanRunningPending).
	pendingScan bool
}

// newDispatcherStat builds the record a REGISTER or RESET request asks
// for (TiCDC's newDispatcherStat).
func newDispatcherStat(req *wire.DispatcherRequest, now clock.Time, cfg *Config) *dispatcherStat {
	epoch := req.Epoch
	if req.Action == wire.ActionRegister {
		// A REGISTER always makes an epoch-0 record (PROTOCOL.md 2.1); the
		// field is ignored rather than trusted.
		epoch = 0
	}
	d := &dispatcherStat{
		id:                        req.DispatcherID,
		info:                      *req,
		epoch:                     epoch,
		startTs:                   req.StartTs,
		checkpointTs:              req.StartTs,
		sentResolvedTs:            req.StartTs,
		receivedResolvedTs:        req.StartTs,
		tableTrigger:              req.Span.TableID == 0,
		lastReadySendTime:         neverTime,
		readyInterval:             min(cmp.Or(cfg.ReadyStartInterval, readyIntervalStart), cfg.ReadyMaxInterval),
		lastReceivedHeartbeatTime: now,
		lastSentResolvedTsTime:    now,
		availableMemoryQuota:      cfg.ScanLimitBytes,
		messageWorkerIndex:        int(uint64(req.DispatcherID) % uint64(cfg.MessageWorkers)),
	}
	if req.EnableSyncPoint && req.SyncPointInterval > 0 {
		d.enableSyncPoint = true
		d.nextSyncPoint = req.SyncPointTs
		d.syncPointInterval = req.SyncPointInterval
	}
	return d
}

// copyStatistics carries over what a RESET keeps from the record it
// replaces (TiCDC's copyStatistics): the event store's progress, the
// heartbeated checkpoint and the resolved-ts pacing. seq, sentResolvedTs,
// the heartbeat time and the per-dispatcher quota start afresh. The model
// also carries over its two flags: the span kind, and whether the schema
// store registration (patch h3) is done.
func (d *dispatcherStat) copyStatistics(src *dispatcherStat) {
	d.receivedResolvedTs = src.receivedResolvedTs
	d.checkpointTs = src.checkpointTs
	d.lastSentResolvedTsTime = src.lastSentResolvedTsTime
	d.tableTrigger = src.tableTrigger
	d.tableRegistered, d.tableReleased = src.tableRegistered, src.tableReleased
}

func (d *dispatcherStat) isHandshaked() bool { return d.seq > 0 }

// onResolvedTs raises receivedResolvedTs and reports whether it moved:
// only a moving resolved ts is a notification.
func (d *dispatcherStat) onResolvedTs(ts wire.Ts) bool {
	if ts <= d.receivedResolvedTs {
		return false
	}
	d.receivedResolvedTs = ts
	return true
}

// nextSeq assigns the next seq of the epoch to a data event.
func (d *dispatcherStat) nextSeq() uint64 {
	if d.seq == 0 {
		panic("eventservice: data event for " + d.id.String() + " before its handshake")
	}
	d.seq++
	return d.seq
}

func (d *dispatcherStat) snapshot(slot *dispatcherSlot, orphaned bool) RecordSnapshot {
	return RecordSnapshot{
		Registration:       Registration{slot},
		Dispatcher:         d.id,
		Changefeed:         d.info.ChangefeedID,
		Span:               d.info.Span,
		Epoch:              d.epoch,
		Seq:                d.seq,
		StartTs:            d.startTs,
		CheckpointTs:       d.checkpointTs,
		SentResolvedTs:     d.sentResolvedTs,
		ReceivedResolvedTs: d.receivedResolvedTs,
		ServerID:           d.info.ServerID,
		Handshaked:         d.isHandshaked(),
		Removed:            d.isRemoved,
		TableTrigger:       d.tableTrigger,
		TableRegistered:    d.tableRegistered && !d.tableReleased && !d.tableTrigger,
		Orphaned:           orphaned,
	}
}

// Registration identifies the REGISTER a record descends from: the
// records a RESET installs keep it, a new REGISTER makes another. It
// can only be compared.
type Registration struct{ slot *dispatcherSlot }

// RecordSnapshot is one record as the checkers see it.
type RecordSnapshot struct {
	// Registration is the REGISTER this record descends from (I22
	// compares records only within one).
	Registration Registration
	Dispatcher   wire.DispatcherID
	Changefeed   wire.ChangefeedID
	Span         wire.Span
	Epoch        uint64
	Seq          uint64
	StartTs      wire.Ts
	// CheckpointTs is the max heartbeated checkpoint.
	CheckpointTs   wire.Ts
	SentResolvedTs wire.Ts
	// ReceivedResolvedTs is the highest resolved ts the event store
	// notified the record of: a RESET carries it over (copyStatistics).
	ReceivedResolvedTs wire.Ts
	// ServerID is the collector every event goes to.
	ServerID     wire.ServerID
	Handshaked   bool
	Removed      bool
	TableTrigger bool
	// TableRegistered: the record holds a registration of its table in
	// the schema store (a table-trigger record registers none).
	TableRegistered bool
	// Orphaned marks a record a later REGISTER overwrote without removing
	// it (PROTOCOL.md 6.3 H1): no longer in the broker's map, so no
	// request, heartbeat or sweep reaches it, but its old subscription
	// still notifies it, so it keeps scanning and sending.
	Orphaned bool
}
