// Package eventservice models one node's TiCDC event service: the server
// side of the dispatcher session protocol (PROTOCOL.md 1.7, 2.3, 2.5,
// 3.3, 3.6). It keeps TiCDC's names (eventBroker, dispatcherStat for the
// server's record, addDispatcher, resetDispatcher, removeDispatcher,
// checkAndSendReady, sendHandshakeIfNeed, handleDispatcherHeartbeat,
// reportDispatcherStatToStore, ...), so a TiCDC engineer can read it side
// by side with pkg/eventservice.
//
// # Use
//
//	svc := eventservice.New(eventservice.Config{
//		Runtime: w, Node: "n1", Endpoint: ep, Upstream: up,
//		Coordinator: "n0", Variants: variants,
//	})
//	svc.Run() // starts the tasks on the calling node and returns
//
// Run starts, through Config.Runtime, the command router, the intake, the
// scan loop, the sweep, the state upload (only with a Coordinator) and
// the message workers. Under the simulator they belong to the node that
// called Run and end when it crashes; a restarted node builds a new
// Service from nothing, as a restarted process does. Records,
// Subscriptions, SubscriptionDetails and IntakeBusyUntil are for
// checkers: every live record sorted by ID, the event store's
// subscriptions (with their subscribers), and when the intake stops
// waiting for a slow RegisterTable; Config.ObserveSubscription reports
// each subscription as it is created (observe.go). None of them changes
// what the service does.
//
// # Messages
//
// The router reads Config.Commands (by default the endpoint's command
// inbox): a DispatcherRequest goes to the requests queue
// (dispatcherInfoChan), a DispatcherHeartbeat to the heartbeat queue
// (dispatcherHeartbeat), and a CongestionControl is applied at once. An
// empty heartbeat or congestion control (a nil pointer, TiCDC's message
// with no payload) is ignored with a trace line, as TiCDC's
// event_service.go handleMessage ignores it with a warning
// (TestTiCDCHandleMessageIgnoresInvalidSingleMessagePayloads).
// Anything else panics, naming the type: a node that shares its command
// stream between components routes with Handles. Messages are accepted by
// pointer, as the rest of the model sends them, or by value.
//
// Out: Ready, NotReusable, Handshake, BatchDML, DDL, SyncPoint and
// BatchResolved events go to the record's ServerID on wire.StreamEvent;
// DispatcherHeartbeatResponse on wire.StreamCommand to the heartbeat's
// sender; EventStoreState on wire.StreamCommand to Config.Coordinator.
// Every message is a fresh pointer, never changed after it is sent.
//
// # Tasks and the lock
//
// One task (the intake) selects over the two queues with clock.Select,
// so each class is FIFO and the classes interleave by a seeded choice
// (PROTOCOL.md 2.5; a heartbeat of epoch e+1 may be handled before the
// RESET that creates e+1). The scan task wakes every ScanInterval, and
// at once for a scan a RESET requested. The sweep task runs every
// SweepInterval. All three hold the broker's clock.Mutex for one whole
// step (one request, one heartbeat, one tick), so a step is atomic with
// respect to the others; TiCDC's finer-grained atomics allow more
// interleavings inside a step, none of which the protocol depends on.
// Nothing blocks while the lock is held: events are handed to message
// workers through unbounded mailboxes, and the heartbeat response and
// state upload sends do not block.
//
// # The record table (PROTOCOL.md 3.3)
//
//	REGISTER, any state   addDispatcher: no dedup; a new epoch-0 record in a
//	                      new slot replaces the ID's slot; the replaced
//	                      record is not marked removed and stays subscribed
//	                      (H1: Records lists it as Orphaned). Event store:
//	                      onlyReuse needs data sharing and an initialised
//	                      covering subscription whose [checkpointTs,
//	                      resolvedTs] holds start_ts, else NotReusable and
//	                      no record. Then SchemaStore.RegisterTable: on
//	                      failure the record is dropped with no reply (H3).
//	                      TableID 0: a separate map, no event store.
//	notify / 50 ms tick   checkAndSendReady: while epoch 0, Ready first at
//	                      once, then after gaps of 2, 4, 8, 10, 10 ... s.
//	RESET(x, t)           resetDispatcher: absent -> ignored; epoch >= x ->
//	                      stale, ignored; else the old record is marked
//	                      removed and a new one (epoch x, startTs t, seq 0,
//	                      sentResolvedTs t, statistics copied) takes its
//	                      slot, and a scan runs at once: Handshake(seq 1,
//	                      ts t), then data. A table-trigger record is not
//	                      scanned at once: the next 50 ms tick sends them.
//	REMOVE                removeDispatcher: idempotent; removed, deleted,
//	                      unregistered from event and schema store.
//	heartbeat(id, cp, e)  handleDispatcherHeartbeat: absent -> Removed in
//	                      one response per heartbeat; epoch != e -> ignored;
//	                      equal -> checkpoint := max, heartbeat time
//	                      refreshed.
//	sweep, every 10 s     reportDispatcherStatToStore: handshaked records
//	                      with no accepted heartbeat for 3600 s are removed.
//	CongestionControl     handleCongestionControl: changefeed quota per
//	                      collector, dispatcher quota.
//
// # Data emission
//
// A record scans (sentResolvedTs, receivedResolvedTs], where
// receivedResolvedTs is the last resolved ts its subscription notified.
// Changes come from the Upstream in commitTs order; each DML, DDL and
// SyncPoint takes the next seq; consecutive DMLs are batched, at most
// MaxDMLBatch per BatchDMLEvent; then a ResolvedEvent carries the last
// seq and the scan's upper bound, and sentResolvedTs moves there. A range
// with no DML and no DDL needs no event-store scan, hence no quota: its
// sync points and resolved event go at once. A range with data needs the
// changefeed quota for the collector (unset: skipped silently) and both
// quotas at or above ScanLimitBytes (else skipped, and the last watermark
// resent at most once per SignalResolvedInterval). Each dispatcher's
// messages go through one message worker, which keeps resolved events per
// collector and sends them as one BatchResolvedEvent before any other
// message to that collector, when ResolvedCacheSize are cached, and at
// most ResolvedFlushInterval after the first. A send that fails with
// network.ErrCongested is retried every SendRetry, forever, blocking that
// worker; any other error drops the message, and the collector finds the
// gap by seq.
//
// # The event store
//
// The event store is modelled as far as the protocol sees it: a
// subscription per span with a checkpoint (min of its dispatchers'
// checkpoints, pushed every sweep), a resolved ts (polled from the
// Upstream every ScanInterval; a move notifies every subscriber and marks
// the subscription initialised) and its subscribers, each an ID and the
// slot its notifier loads. The rows are read from the Upstream, the
// ground truth, so the store holds none. Unregistering detaches the ID's
// current registration only, which is why a subscription overwritten by
// H1 leaks.
//
// # TiCDC's assertions
//
// Where TiCDC's event store and broker assert with log.Panic on a state
// the model has, the model asserts the same condition through
// internal/tiassert, with TiCDC's message: a scan that reads data must
// lie within its subscription's [checkpointTs, resolvedTs], the
// subscription being the one registered under the dispatcher's ID
// (event_store.go, checkScanRange: TiCDC's GetIterator), and a scanned
// change must be of a known kind (scan.go, emitChanges). With H1
// unpatched the first check fires: an orphaned record scans through the
// new registration, whose subscription lags. docs/ticdc-assertions.md
// lists every site of TiCDC's event store and event service and why the
// rest do not apply (storage, encoding, filters, raw-row assembly).
//
// # Faults of this package (package fault)
//
// Where TiCDC's event service and event store can fail or be slow, and
// the site that makes the model do so:
//   - eventservice/register-table-fails and register-table-slow: the
//     schema store's RegisterTable, called inline by addDispatcher (TiCDC
//     pkg/eventservice event_broker.go addDispatcher), can fail or take
//     long.
//   - eventservice/reset-delay: the Handshake of a RESET goes out from a
//     scan task queued to the scan workers (event_broker.go
//     runScanWorker, sendHandshakeIfNeed), so it can come late; up to 2 s
//     more here.
//   - eventservice/slow-scan: a scan reads pebble (event_broker.go
//     doScan) and can be slow; a scan tick here waits up to 1 s.
//   - eventservice/scan-read-slow: a scan's read of the event store takes
//     up to 2 s (event_broker.go doScan runs scanner.scan under no broker
//     lock), so that REMOVE and RESET meet scans under way (below, "Work
//     in flight").
//   - eventservice/cleanup-fails: freeing the state a cancelled scan held
//     fails (event_broker.go cleanupLargeTxnState: removing a large
//     transaction's spill file fails), and the record waits in the
//     cleanup retry queue until the heal.
//   - eventservice/subscription-lag: a new subscription's resolved ts
//     moves only once the log puller's incremental scan of every region
//     is done (logservice/eventstore event_store.go advanceResolvedTs), so
//     it can lag far behind an older subscription of another node; here it
//     stays at its start for up to 20 s and is not initialised meanwhile.
//
// A lag ends at the heal at the latest (clock.Runtime.FaultsOn); a scan
// delay of at most 2 s that began before it runs its course. A send that
// fails as congested (the network's, or a local one at
// cluster/local-congested) is retried every SendRetry; any other failure
// drops the message and the collector finds the gap by seq (send.go).
// No site drops an event the service believes sent: TiCDC's message
// center cannot either (see package cluster, "Faults of this package").
//
// # Work in flight: REMOVE and RESET against a scan under way
//
// PROTOCOL.md 3.3 treats REMOVE and RESET as atomic with scans; in TiCDC
// a scan reads the event store under no broker lock, so either can
// arrive mid-scan. TiCDC's markRemoved (dispatcher_stat.go) sets the
// record's removed flag and cancels the scan's context (beginActiveScan);
// the scan checks the flag before each event (event_broker.go doScan), so
// nothing of a removed or replaced record goes out after its removal, and
// the record's other triggers skip their scans while one is under way
// (the busy scan state). Then cleanupLargeTxnState frees the state the
// scan held; if that fails the record joins pendingLargeTxnCleanup,
// which runLargeTxnCleanupWorker retries every 10 s
// (Config.LargeTxnCleanupRetryInterval). The model does the same
// (active_scan.go): at site eventservice/scan-read-slow a scan's read
// finishes on a task of its own up to 2 s later, holding an activeScan
// (the changes read, the model's stand-in for TiCDC's large-transaction
// state); REMOVE, the sweep and a RESET's replacement of the old record
// all go through markRemoved, which cancels it (coverage
// eventservice/scan/cancelled) and cleans up, failing at
// eventservice/cleanup-fails (eventservice/cleanup/failed), retried by a
// worker started on the first failure (eventservice/cleanup/retried;
// TiCDC starts it with the broker, the model lazily so that runs without
// a failure keep their traces). PendingCleanups lists the queue; I14
// requires it empty once the cluster is quiet. Tests:
// TestRemoveCancelsAScanUnderWay, TestResetCancelsTheOldEpochsScan,
// TestFailedCleanupIsRetried and the two TiCDC cases in
// ticdc_conformance_lifecycle_test.go. Measured with `go test ./workloads
// -run '^TestChurn$' -sim.seeds=50 -sim.json=FILE`, summing each line's
// cover: 1055 slow reads, 17 scans cancelled, 23 failed cleanups, 2
// retried; the same for '^TestMerge$': 421, 30, 8, 2. With -sim.trace
// the lines are "scan dN epoch=E cancelled: record removed during its
// read", "cleanup of dN epoch=E failed, queued for retry" and "cleanup
// of dN epoch=E retried: done".
//
// # Request fields (what TiCDC does beyond PROTOCOL.md)
//
// REGISTER and RESET carry the changefeed's options
// (wire.RequestOptions, TiCDC's eventpb.DispatcherRequest fields; the
// collector fills them, package session options.go). The record keeps
// them and honours them as TiCDC's broker does:
//   - Sync points (syncpoint.go; event_broker.go
//     emitSyncPointEventIfNeeded). The record's nextSyncPoint starts at
//     the request's SyncPointTs (CalculateStartSyncPointTs of the start
//     or reset ts: rounded up to the interval, one more interval when the
//     start ts is on the cadence and the dispatcher skips the sync point
//     there; a RESET asks to skip only when its resetTs is the start ts).
//     Before any DML, DDL or resolved ts strictly above nextSyncPoint, a
//     SyncPoint goes out at nextSyncPoint with the next seq, and
//     nextSyncPoint moves one interval on, as often as needed; a DML
//     batch is cut before it. A RESET's record starts from its own
//     request's SyncPointTs (not copied). Coverage
//     eventservice/syncpoint/sent.
//   - Low-latency mode (scan.go scanReady, active_scan.go). The
//     changefeed status takes it from the request that creates it. A
//     trigger that meets a scan under way (site scan-read-slow) is kept
//     as one continuation, asked for when the scan ends (TiCDC's
//     dispatcherScanRunningPending); without it the trigger is dropped
//     and the next notification rescans. Its other effect in TiCDC,
//     parking schema-blocked dispatchers until the schema store's DDL
//     resolved ts moves, needs that resolved ts, which the model does not
//     have (below). Coverage eventservice/scan/low-latency-pending.
//   - Large transactions (large_txn.go; txn_scan_strategy.go
//     splitTxnScanStrategy). With TxnAtomicity none (TiCDC's default) a
//     transaction of more than LargeTxnThresholdRows rows goes out in
//     fragments, one scan each, with no resolved ts until the last; a
//     RESET resends it whole. Coverage eventservice/scan/txn-split.
//   - EnableIgnoreUpdateOnlyColumns is stored and has no effect: TiCDC's
//     filter drops an update whose changed columns are all configured
//     as ignorable (pkg/filter updateOnlyColumnsFilter), and the model's
//     rows are bare IDs, with no kind (insert, update, delete) and no
//     columns, so no row can be such an update and the sink checker could
//     not tell. BdrMode is stored and has no effect either (TiCDC's
//     broker passes it to the DDL filter only).
//
// A finding, from TestSyncPoints seed 3 (I7 failed there before the
// tolerance below): when a dispatcher starts (or is RESET) at a ts on
// the cadence and does not skip that sync point, the sync point at
// exactly its start ts reaches the sink, whose resolved ts is that ts;
// pending, it makes the sink's
// checkpoint its commitTs minus one, one below what the dispatcher
// reported before (I7: "sink checkpoint went from 1000 back to 999").
// TiCDC's BasicDispatcher.GetCheckpointTs is computed the same way
// (TableProgress.GetCheckpointTs: the oldest pending commitTs minus one,
// and AddBlockEventToSink adds a sync point to it), but a table
// dispatcher's sync point first passes the maintainer's barrier, which
// the model does not have, so whether TiCDC reports the same step back is
// not settled here. I7 tolerates exactly this step (package workloads,
// syncPointStepBack); TestSyncPoints meets it on the seeds that do not
// skip, its tables starting at ts 1000. The upstream's resolved ts is
// one below a tick of its 50 ms resolver, so it is not on a cadence of
// whole ticks; a start ts, and a RESET from a checkpoint of a flushed
// commitTs minus one, can be.
//
// # Patch h3
//
// PROTOCOL.md 6.3 H3: a failed RegisterTable leaves the collector in
// WaitLocal forever. variant.Patches describes patch "h3" as answering
// NotReusable, but the collector panics on NotReusable from its local
// service (3.1, T5), so this package implements the smallest change that
// removes the permanent WaitLocal instead: the record is kept, and
// RegisterTable is retried at each trigger before any Ready (or scan);
// the Ready goes out once it succeeds. No message, no collector change.
//
// # Patch h6
//
// PROTOCOL.md 6.3 H6: TiCDC's addDispatcher stores a REGISTER's record over
// a live one of the same ID and calls the schema store's RegisterTable
// again, so the overwritten record's table registration is never
// released (event_broker.go addDispatcher, dispatchers.Store). Patch h1
// stops the collector's duplicate REGISTER to L, but a remote's
// re-registration (REGISTER with onlyReuse after a Removed) still
// overwrites. With "h6" the overwrite unregisters the old record's table
// (control.go, addDispatcher). Found by I14's schema-store count
// (Service.SchemaRegistrations) on TestProbing/sharing=true seed 3.
//
// # Modelling choices where PROTOCOL.md is silent
//
//   - Ready, like every scan, is evaluated on a resolved-ts notification,
//     and a notification is a move of the subscription's resolved ts seen
//     by the ScanInterval poll: with a live upstream that is every tick;
//     with a stalled one there is no Ready (I11's premise, #4873). The
//     table-trigger span is ticked every ScanInterval regardless.
//   - A RESET of a table-trigger (DDL span) record requests no scan:
//     TiCDC's event_broker.go requestScan returns at once for the DDL
//     span, and tickTableTriggerDispatchers sends its Handshake and DDLs
//     on its next tick. PROTOCOL.md 3.3's "scan at once" is for the
//     other spans (TestResetOfTableTriggerWaitsForTheTick).
//   - A REGISTER's record is installed only once the event store and the
//     schema store accepted it (TiCDC stores it last), so a failing
//     REGISTER leaves an existing record in place. On a schema-store
//     failure the event-store registration is undone.
//   - With data sharing, a plain REGISTER reuses an exact or smallest
//     covering subscription whose range holds start_ts; TiCDC then also
//     creates an exact "pending" subscription and switches to it later,
//     which is not modelled.
//   - A subscription left without subscribers is dropped at once (TiCDC
//     waits for an idle period), so leak checks are exact.
//   - A RESET's new record starts its heartbeat clock at the RESET, and
//     its dispatcher quota at the scan limit (TiCDC's newDispatcherStat);
//     receivedResolvedTs, checkpointTs and the resolved-ts pacing are
//     copied (copyStatistics). The RESET request's ServerID becomes the
//     target of the new record's events.
//   - Quotas are not spent: the model has no byte sizes, so a scan needs
//     the quotas to be at or above the scan limit, and the limit does not
//     grow. A scan covers its whole range unless it stops inside a large
//     transaction (large_txn.go) or is cancelled, and then it sends
//     nothing.
//   - Resolved events are flushed by a timer armed when the first one is
//     cached, not by a free-running 25 ms ticker; the bound is the same.
//   - Four message workers by default (TiCDC runs 32); a dispatcher's
//     worker is its ID modulo the count.
//   - The state upload is a full EventStoreState on the command stream
//     every StateUploadInterval (TiCDC sends incremental changes).
//   - Ts is a plain counter; the tests take it as milliseconds, like the
//     coordinator's one-hour cut-off.
//
// # A dropped table
//
// PROTOCOL.md has no table that goes away. In TiCDC the schema store
// records a DROP TABLE's finished ts as the table's delete version, and
// the scanner skips a transaction it finds at or above it
// (event_scanner.go getTableInfo4Txn, TableDeletedError), the resolved
// ts taking its place; the DROP itself reaches the table's dispatchers
// as a DDL like any other. The model's scan asks the upstream, if it
// implements TableDropper, and skips such a DML (emitChanges; coverage
// eventservice/scan/dropped-table-dml); its one resolved ts at the end
// of the scan covers it, where TiCDC's scanner sends one at the skipped
// transaction's commit ts (TestTiCDCScanAndMergeEventsSkipsDeletedTableTxn,
// TestTiCDCGetTableInfo4Txn). The record stays until its dispatcher's
// REMOVE: the maintainer removes the dispatcher (package cluster,
// drop.go).
//
// # Close (a graceful shutdown)
//
// PROTOCOL.md has event services crash, never stop. TiCDC's server.Close
// closes the event service (eventService.Close: every broker's context
// cancelled and its goroutines waited for) concurrently with the
// collector side. Close (close.go) stops the intake, scan, send workers,
// sweep and upload at their next step; the records stay in memory until
// the node goes down, unscanned and unswept, and the command router goes
// on queueing what arrives, which nothing handles: TiCDC's message
// handler is still registered then. Peers see the node as they see a
// crashed one, except that its own dispatchers were removed first
// (package cluster, shutdown.go).
//
// # Not modelled
//
// Redo mode (one stream per mode), filters (ignore-update-only-columns
// included: above), the spill of large transactions' unique-key-update
// inserts, scan windows and rate limits, the schema store's DDL resolved ts (the
// Upstream's resolved ts covers both), IsReadyToSend, the one-minute
// uninitialised-dispatcher log, the event store's GC and its iterator's
// storage checks (decryption, decompression, decoding; the scan-range
// check is modelled, above), and bounded intake and send queues (all
// unbounded here).
//
// # Trace
//
// With Config.Trace set, every decision is one line, prefixed
// "es/<node>": REGISTER, RESET and REMOVE outcomes, Ready and Handshake
// sends, scans and skipped scans, heartbeat entries ignored and responses
// sent, sweeps, dropped sends.
//
//dst:simulated
package eventservice
