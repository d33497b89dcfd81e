// Package session is the collector-side state of one dispatcher in the
// TiCDC model: its connection lifecycle (which event service it reads
// from, which registrations are in flight), its epochs, and the data
// path's sequence and dedup checks. It follows PROTOCOL.md 1.2-1.4, 3.1,
// 3.4 and 3.5, and keeps TiCDC's names (downstreamadapter/eventcollector:
// dispatcher_session.go, dispatcher_stat.go, helper.go) so that the model
// and the real code can be read side by side.
//
// # Using it
//
// The collector builds one Stat per dispatcher with NewStat and calls its
// entry points from the tasks that stand for TiCDC's goroutines (4.1):
//
//	entry point                            3.1         TiCDC function                          called by
//	Run                                    T1          startLocalRegistration                  manager: add
//	StartRemoteProbing                     T2          startRemoteProbing                      coordinator answer
//	HandleSignalEvent(from, Ready)         T3-T4''     handleSignalEvent, handleReadyEvent     event path
//	HandleSignalEvent(from, NotReusable)   T5-T5'''    handleSignalEvent                       event path
//	CommitLocalRegistration                T6          commitLocalRegistration                 manager: merge commit
//	ResetCurrentEventService               T7          resetCurrentEventService                event path (internal)
//	RetryCurrentRegistrationIfRemovedFrom  T8          retryCurrentRegistrationIfRemovedFrom   heartbeat response
//	Remove                                 T9          remove                                  manager: remove
//	HeartbeatReport                        T10, 3.5    getHeartbeatReport                      heartbeat loop
//	EventServiceID                         -           getEventServiceID                       congestion loop
//	HandleDataEvents                       3.4         handleDataEvents, handleHandshakeEvent  event path
//	Snapshot                               -           -                                       checkers
//
// Requests leave through Config.Send, which the session calls with
// requestMu held, in decision order; Send must only enqueue (the
// collector's send queue). readyCallback also runs with requestMu held and
// must not call back into the Stat.
//
// # State
//
// A Stat holds a dispatcherSession (session.go; requestMu, readyCallback,
// the dispatcherConnState of connstate.go) and the data path's fields
// (stat.go): an atomic pointer to the current epoch record {epoch,
// lastEventSeq, maxEventTs}, replaced wholesale on every reset, and the
// cross-epoch dedup state lastEventCommitTs, gotDDLOnTs, gotSyncpointOnTS.
// The reachable connection states (1.4; Snapshot.State names them):
//
//	state           current  localReadyPending  pendingRemote  notes
//	New             ""       false              ""             before Run
//	WaitLocal       ""       true               ""             after T1; after T5''
//	Probing         ""       true               X              candidates may remain
//	OnRemote        X        true               ""             L's Ready still awaited
//	OnRemote+reReg  X        true               X              after Removed on X (T8)
//	OnLocal         L        false              ""             left only by removal
//	OnLocal+reReg   L        true               ""             after Removed on L (T8)
//	TwoPhaseReady   L        false              ""             callback consumed, epoch 0, awaiting T6
//	Removed         ""       false              ""             terminal
//
// Every transition ends by asserting the structural facts behind this
// table (connstate.go, assertReachableLocked): a remote current implies
// localReadyPending; the pending probe is never L and is "" or equal to a
// set current; candidates only exist while a probe is pending; removal
// clears everything.
//
// # Concurrency and scheduling points
//
// requestMu (clock.Mutex) serialises T1-T9 over their whole decide and
// enqueue step; connState has its own clock.RWMutex, taken inside
// (requestMu first). Under the simulator every Lock and RLock is a
// scheduling point, so the windows of 4.3 exist in simulation: the early
// removed check of HandleSignalEvent, the unlocked reads of the heartbeat
// and congestion loops, and HeartbeatReport's two reads, which have an
// explicit Yield between them (4.3 race 1). Data handlers load the epoch
// record once per batch and judge the whole batch against it (4.3 race 2).
//
// # Variants
//
// HEAD behaviour is the default. The variants this package implements sit
// beside the code they change:
//
//	name               kind   PROTOCOL.md  where
//	f1-retry-unlocked  bug    6.1 F1       retry.go: retryCurrentRegistrationIfRemovedFromUnlocked, retryCurrentRegistration
//	f2-retry-removed   bug    6.1 F2       retry.go: retryIgnoringRemovedLocked; connstate.go: beginRemove(keepCurrent)
//	f3-callback-kept   bug    6.1 F3       transitions.go: handleAcceptedLocalReadyLocked
//	h1                 patch  6.3 H1       retry.go: the registrationInFlight guard in retryCurrentRegistrationIfRemovedFrom
//	h4                 patch  6.3 H4       transitions.go: handleAcceptedLocalReadyLocked and commitLocalRegistration
//	h5                 patch  6.3 H5       connstate.go: acceptReady answers a stray remote Ready (T4'') with a REMOVE
//
// f4-probe-during-merge lives in the dispatcher manager (merged
// dispatchers ask the coordinator); the panic it leads to is HEAD's T4'
// here. h3 lives in the event service.
//
// f2 needs a word. In HEAD the retry's guard "current = S" already fails
// for a removed session, because removal empties current; F2 describes
// the design weakness as emitting REGISTER after REMOVE "if the
// removal-clears-current detail ever changed". To make the symptom
// observable, f2 changes that detail too: removal keeps current, and the
// retry neither checks removed nor reports refusal. T9 followed by a
// Removed response then sends REGISTER for a removed session.
//
// h1 needs one too. Its guard holds a Removed back while a REGISTER to
// the service is in flight, which for L means until L's Ready. But L
// sends no Ready when a RESET overtakes it (the session reset L on a
// drop of the old epoch, and L, holding the record the REGISTER made,
// went straight to the new epoch): the guard then held every later
// Removed back forever. So a REGISTER to L is also over once a handshake
// from L of an epoch begun after it is accepted (connstate.go,
// localServedSinceRegister). The fault sites found the stall
// (workloads/testdata/regressions.txt).
//
// # Request options (TiCDC beyond PROTOCOL.md)
//
// A Target that also implements OptionsTarget gives its changefeed's
// options (wire.RequestOptions); REGISTER and RESET carry them, as
// TiCDC's newDispatcherRegisterRequest and newDispatcherResetRequest do
// (options.go). SyncPointTs is computed per request by
// CalculateStartSyncPointTs from the request's start ts: a REGISTER's
// start ts with the target's SkipSyncpointAtStartTs, a RESET's resetTs
// with the skip only when resetTs is the start ts (a sync point repeated
// after a reset at runtime is left to the commitTs dedup of 3.4 step
// 4). A Target without options sends them all at zero, as before.
//
// # Modelling choices
//
// Where PROTOCOL.md is silent the model does what TiCDC does:
//
//   - T6 reads the checkpoint before taking requestMu (TiCDC evaluates it as
//     the argument of doReset); every other RESET reads it inside.
//   - A sequence check bumps lastEventSeq before comparing, and the bump
//     stays after a failure (the new epoch record replaces it anyway).
//   - A second seq-1 handshake of the current epoch is accepted again and
//     rewinds lastEventSeq to 1.
//   - A resolved ts above lastEventCommitTs clears gotDDLOnTs and
//     gotSyncpointOnTS while the watermark stays, so after a reset below a
//     forwarded DDL the resent DDL passes the collector's dedup again; the
//     dispatcher's stale-event filter is what drops it in TiCDC.
//   - The tableInfo cache is a flag and a version (the handshake's
//     TableInfoVersion, then each forwarded DDL's); a BatchDML before any
//     table info panics, as in TiCDC.
//   - A removed session forwards no data: the model's stand-in for
//     ds.RemovePath, checked once at the start of a batch, so a batch that
//     started before the removal may still reach the sink (I10).
//   - HandleDataEvents enforces the dynstream's grouping: DML, BatchDML and
//     Resolved may share a batch; DDL, SyncPoint, Handshake and Drop come
//     alone; Ready and NotReusable go to HandleSignalEvent.
//
// # Assertions
//
// A violated assumption panics with the dispatcher and the values
// involved: requests sent or epochs advanced without requestMu, a RESET at
// epoch 0, a state outside the table above, a candidate list containing L
// or a duplicate, an event for another dispatcher, a forwarded commitTs
// below the watermark. These are model bugs, distinct from the states
// TiCDC itself asserts on, which panic through internal/tiassert with
// TiCDC's message: NotReusable from L (T5), a remote Ready during a
// two-phase add (T4', F4), an unknown signal or data event, a batch not
// grouped the dynstream's way, a batch DML before any table info, a
// missing epoch record. docs/ticdc-assertions.md lists every log.Panic of
// TiCDC's collector and dispatcher and where the model asserts it. The F1
// panic ("current event service should not be empty") belongs to the bug
// variant, not to HEAD, so it stays a plain panic.
//
//dst:simulated
package session
