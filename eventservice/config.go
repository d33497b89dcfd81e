package eventservice

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/fault"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/variant"
	"github.com/cdcsim/cdcsim/wire"
)

// Upstream is the ground truth the event store reads: the changes
// committed to each table and how far each table is resolved. Package
// cluster implements it with a seeded generator; the checkers compare
// what reaches the sink against it.
type Upstream interface {
	// ResolvedTs returns the resolved ts of span: every change with
	// commitTs <= it is known. It never goes backwards.
	ResolvedTs(span wire.Span) wire.Ts
	// Changes returns the DMLs, DDLs and sync points of span with after <
	// commitTs <= upto, in commitTs order (sync points interleaved by
	// ts). For the table-trigger span (TableID 0) it returns the DDLs and
	// sync points the table-trigger dispatcher must see. The returned
	// values must not be changed afterwards.
	Changes(span wire.Span, after, upto wire.Ts) []Change
}

// TableInfoVersioner is an optional extension of Upstream: the schema
// version of span's table at ts, carried in the Handshake so the collector
// can decode the first DMLs. Without it the Handshake carries version 0.
type TableInfoVersioner interface {
	TableInfoVersion(span wire.Span, ts wire.Ts) uint64
}

// TableDropper is an optional extension of Upstream: the commitTs of the
// DDL that dropped a table, TiCDC's schema-store delete version
// (logservice/schemastore multi_version.go deleteVersion). A scan skips
// a DML of the table at or above it (emitChanges), as TiCDC's scanner
// does when GetTableInfo answers TableDeletedError.
type TableDropper interface {
	DroppedAt(table int64) (wire.Ts, bool)
}

// ChangeKind says what a Change is.
type ChangeKind uint8

const (
	KindDML ChangeKind = iota + 1
	KindDDL
	KindSyncPoint
)

func (k ChangeKind) String() string {
	switch k {
	case KindDML:
		return "DML"
	case KindDDL:
		return "DDL"
	case KindSyncPoint:
		return "SyncPoint"
	}
	return fmt.Sprintf("ChangeKind(%d)", uint8(k))
}

// Change is one upstream change: a transaction's row changes (DML), a
// schema change (DDL, at CommitTs = its finished ts) or a sync point.
type Change struct {
	Kind     ChangeKind
	CommitTs wire.Ts
	// StartTs is the transaction's start ts (DML only).
	StartTs wire.Ts
	// Rows are the model's row IDs (DML only).
	Rows []uint64
	// TableInfoVersion is the schema version a DDL installs (DDL only).
	TableInfoVersion uint64
}

// SchemaStore is the part of TiCDC's schema store the event service calls
// when a dispatcher registers and leaves (PROTOCOL.md 3.3, REGISTER row).
// The default implementation fails RegisterTable at the Buggify site
// SiteRegisterTableFails; tests may pass their own.
type SchemaStore interface {
	RegisterTable(span wire.Span, startTs wire.Ts) error
	UnregisterTable(span wire.Span)
}

// SiteRegisterTableFails is the Buggify site at which the default schema
// store fails RegisterTable: the trigger of PROTOCOL.md 6.3 H3.
const SiteRegisterTableFails = fault.RegisterTableFails

// SiteRegisterTableSlow is the Buggify site at which a REGISTER's
// RegisterTable takes up to RegisterTableSlowMax. TiCDC's schema store
// fetches the table's schema from the upstream there, and the event
// service calls it from its one message loop (addDispatcher), so a slow
// fetch holds every request and heartbeat of the service behind it (the
// scans go on): the backlog the H1 window needs (PROTOCOL.md 6.3 H1).
// runIntake sleeps before it takes the broker's lock, so that only the
// intake waits.
const SiteRegisterTableSlow = fault.RegisterTableSlow

// RegisterTableSlowMax bounds a slow RegisterTable (uniform in (0, max]).
const RegisterTableSlowMax = 20 * time.Second

// ErrRegisterTable is the error the default schema store fails with.
var ErrRegisterTable = errors.New("schema store: register table failed")

// buggifySchemaStore fails RegisterTable whenever the Buggify site fires,
// and counts the registrations it holds: TiCDC's schema store keeps a
// table's schema history for as long as a dispatcher has it registered,
// so a registration that outlives its record is a leak (I14, through
// Service.SchemaRegistrations). The count is atomic because the event
// service calls it from its intake and its scans, in real mode on
// goroutines; an atomic adds no scheduling point.
type buggifySchemaStore struct {
	rt     clock.Runtime
	tables atomic.Int64
}

func (s *buggifySchemaStore) RegisterTable(wire.Span, wire.Ts) error {
	if s.rt.Buggify(SiteRegisterTableFails) {
		return ErrRegisterTable
	}
	s.tables.Add(1)
	return nil
}

func (s *buggifySchemaStore) UnregisterTable(wire.Span) { s.tables.Add(-1) }

// registrations is what the store holds: registrations minus
// unregistrations.
func (s *buggifySchemaStore) registrations() int64 { return s.tables.Load() }

// PatchH3 is the name of the variant this package implements (package
// variant): see doc.go, "Patch h3".
const PatchH3 = "h3"

// PatchH6 is the variant that releases an overwritten record's schema
// store registration: see doc.go, "Patch h6".
const PatchH6 = "h6"

// Config is everything an event service needs. Zero durations and counts
// take the defaults listed on each field (PROTOCOL.md 7); a workload may
// scale them.
type Config struct {
	// Runtime provides tasks, time, locks and seeded choices.
	Runtime clock.Runtime
	// Node is this service's server ID (L for the collector on the same
	// node). It is the From of every heartbeat response and state upload.
	Node wire.ServerID
	// Endpoint is the node's network attachment; events go out on
	// wire.StreamEvent, heartbeat responses and state uploads on
	// wire.StreamCommand.
	Endpoint network.Endpoint
	// Commands is the mailbox the intake router reads. Nil means
	// Endpoint.Inbox(wire.StreamCommand). A node whose collector shares
	// the command stream demultiplexes it (see Handles) and passes the
	// event service its own mailbox.
	Commands *clock.Mailbox[network.Envelope]
	// Upstream is what the event store reads.
	Upstream Upstream
	// SchemaStore nil means the Buggify-driven default.
	SchemaStore SchemaStore
	// Coordinator is the node of the log coordinator, to which the event
	// store's state is uploaded. Empty: no upload.
	Coordinator wire.ServerID
	// Variants selects patches (only "h3" concerns this package).
	Variants variant.Set
	// DataSharing is debug.event-store.enable-data-sharing (default
	// false): whether a REGISTER may attach to an existing subscription.
	DataSharing bool
	// Trace, if not nil, receives one line per decision. It must not block.
	Trace func(format string, args ...any)
	// ObserveSubscription, if set, is told of every subscription the
	// event store creates: the REGISTER's dispatcher, the collector it
	// came from and its onlyReuse flag (observe.go). For checkers only:
	// it runs with the broker's lock held and must not block or call
	// back into the service.
	ObserveSubscription func(id wire.DispatcherID, from wire.ServerID, onlyReuse bool)

	// MessageWorkers is the number of send tasks; a dispatcher's messages
	// all go through worker id % MessageWorkers, so they stay FIFO
	// (default 4; TiCDC runs 32).
	MessageWorkers int
	// MaxDMLBatch bounds the DMLs of one BatchDMLEvent (default 16).
	MaxDMLBatch int
	// ResolvedCacheSize is how many resolved events a worker caches per
	// collector before it flushes early (default 512, resolvedTsCacheSize).
	ResolvedCacheSize int
	// ScanLimitBytes is the quota a scan needs, both from the changefeed
	// quota for the collector and from the dispatcher's own (default 1024,
	// TiCDC's minimum scan limit). The model has no byte sizes, so the
	// limit does not grow.
	ScanLimitBytes uint64

	// ScanInterval is the resolved-ts notify and table-trigger tick (50 ms).
	ScanInterval time.Duration
	// ResetScanCost is how long the scan task is busy before it runs the
	// scan a RESET asked for (1 ms): the time TiCDC's scan workers take to
	// pick the task up and read the event store. Local work is otherwise
	// free in the model, and with a zero cost a drop -> RESET -> scan ->
	// drop cycle under memory pressure spins at one virtual instant, so
	// neither the sink's flush nor the congestion loop that would end it
	// can ever run (FINDINGS.md, the reset storm). Negative: no cost,
	// the model before that finding.
	ResetScanCost time.Duration
	// ReadyStartInterval is the first Ready back-off step (1 s): the gap
	// doubles after each send, up to ReadyMaxInterval.
	ReadyStartInterval time.Duration
	// ReadyMaxInterval caps the Ready resend back-off (10 s).
	ReadyMaxInterval time.Duration
	// SweepInterval is how often checkpoints go to the event store and
	// inactive records are swept (10 s).
	SweepInterval time.Duration
	// HeartbeatTimeout is the inactivity after which a handshaked record
	// is swept (3600 s).
	HeartbeatTimeout time.Duration
	// ResolvedFlushInterval bounds how long a resolved event is cached (25 ms).
	ResolvedFlushInterval time.Duration
	// SignalResolvedInterval spaces resolved events resent while scans are
	// skipped (2 s).
	SignalResolvedInterval time.Duration
	// SendRetry is the pause before resending a congested message (10 ms).
	SendRetry time.Duration
	// StateUploadInterval spaces event-store state uploads (10 s).
	StateUploadInterval time.Duration
	// LargeTxnCleanupRetryInterval is how often failed cleanups are
	// retried (10 s, TiCDC's defaultLargeTxnCleanupRetryInterval).
	LargeTxnCleanupRetryInterval time.Duration
	// LargeTxnThresholdRows is the model's LargeTxnThresholdInBytes
	// (TiCDC's debug.event-service.large-txn-threshold-in-bytes, 1 MiB):
	// a transaction of more rows is sent in fragments of this many rows,
	// one scan each, when the request's TxnAtomicity allows a split
	// (large_txn.go). Default 8.
	LargeTxnThresholdRows int
}

// WithDefaults returns c with every zero knob set to its default: the
// configuration New runs with. A workload that scales the timing starts
// from it.
func (c Config) WithDefaults() Config { return c.withDefaults() }

// withDefaults returns c with every zero knob set to its default.
func (c Config) withDefaults() Config {
	setInt := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	setDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	setInt(&c.MessageWorkers, 4)
	setInt(&c.MaxDMLBatch, 16)
	setInt(&c.LargeTxnThresholdRows, 8)
	setInt(&c.ResolvedCacheSize, 512)
	if c.ScanLimitBytes == 0 {
		c.ScanLimitBytes = 1024
	}
	setDur(&c.ScanInterval, 50*time.Millisecond)
	setDur(&c.ResetScanCost, time.Millisecond)
	setDur(&c.ReadyStartInterval, readyIntervalStart)
	setDur(&c.ReadyMaxInterval, 10*time.Second)
	setDur(&c.SweepInterval, 10*time.Second)
	setDur(&c.HeartbeatTimeout, 3600*time.Second)
	setDur(&c.ResolvedFlushInterval, 25*time.Millisecond)
	setDur(&c.SignalResolvedInterval, 2*time.Second)
	setDur(&c.SendRetry, 10*time.Millisecond)
	setDur(&c.StateUploadInterval, 10*time.Second)
	setDur(&c.LargeTxnCleanupRetryInterval, 10*time.Second)
	if c.SchemaStore == nil {
		c.SchemaStore = &buggifySchemaStore{rt: c.Runtime}
	}
	return c
}

// validate fails before any state exists.
func (c *Config) validate() error {
	switch {
	case c.Runtime == nil:
		return fmt.Errorf("eventservice: Config.Runtime is nil")
	case c.Node == "":
		return fmt.Errorf("eventservice: Config.Node is empty")
	case c.Endpoint == nil:
		return fmt.Errorf("eventservice: Config.Endpoint is nil")
	case c.Upstream == nil:
		return fmt.Errorf("eventservice: Config.Upstream is nil")
	case c.Endpoint.ID() != c.Node:
		return fmt.Errorf("eventservice: Config.Endpoint belongs to %s, not %s", c.Endpoint.ID(), c.Node)
	case c.MessageWorkers < 0 || c.MaxDMLBatch < 0 || c.LargeTxnThresholdRows < 0 || c.ResolvedCacheSize < 0:
		return fmt.Errorf("eventservice: negative worker, batch or cache size")
	}
	for _, d := range []time.Duration{c.ScanInterval, c.ReadyStartInterval, c.ReadyMaxInterval, c.SweepInterval, c.HeartbeatTimeout,
		c.ResolvedFlushInterval, c.SignalResolvedInterval, c.SendRetry, c.StateUploadInterval} {
		if d < 0 {
			return fmt.Errorf("eventservice: negative interval %s", d)
		}
	}
	return nil
}
