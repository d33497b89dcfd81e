// Package cluster assembles the TiCDC model into the system a workload
// drives: nodes n1..nN, each with an event collector (package collector),
// an event service (package eventservice) and the dispatchers of one
// changefeed, each with its asynchronous sink; the log coordinator
// (package coordinator) on n1; and the deterministic upstream that every
// event service reads and the checkers take as ground truth.
//
// # Running it
//
// New starts the upstream's generator tasks from the calling task (under
// the simulator they join its node, in a workload the root, which never
// crashes) and each node through a NodeStarter, whose boot builds the node
// from nothing: network attachment, event service, collector and, on n1,
// the coordinator. Only the clock.Runtime, the network.Network and the
// starter tell a simulated run from one on real goroutines:
//
//	c := cluster.New(w, w.Network(), func(name string, boot func()) { w.NewNode(name, boot) }, cfg)
//	c := cluster.New(rt, net, func(name string, boot func()) { rt.Go(name, boot) }, cfg) // clock.NewReal, network.NewReal
//
// Boots run as their own tasks, and a node that has not booted has no
// collector to add dispatchers to: under the simulator let them run first
// (workloads.Start sleeps a second), in real mode wait for AllUp. A real
// run ends with the runtime's Stop, the network's Close and the runtime's
// Wait; it has no crashes, so each boot runs once.
//
// # Driving it
//
// AddDispatcher(n, span, startTs) is the one-phase add (PROTOCOL.md 1.9):
// a new Dispatcher, with the next DispatcherID, handed to n's collector.
// TableSpan gives a table's whole span, TsAt the timestamp of a virtual
// time (a Ts counts milliseconds: TsPerSecond); table 0 is the table
// trigger, whose span sees every table's DDLs. RemoveDispatcher removes a
// dispatcher from its collector and closes its sink; for one already
// removed, or left from an earlier incarnation of its node, it does
// nothing. Split replaces a dispatcher by two over the halves of its
// span, each added in one phase from its checkpoint.
//
// Merge(n, sources) is the two-phase add (1.9, manager.go and
// merge_check.go), as TiCDC's dispatcher manager does it. It first checks
// the sources (mergedSpan: at least two, each living on n and Working,
// each span starting where the previous one ends, one table) and rejects
// the merge, returning nil, if they fail. It creates the merged
// dispatcher (Preparing) over the union of the sources' spans, from
// their smallest checkpoint, marks the sources WaitingMerge and calls
// PrepareAddDispatcher with a callback that the merged session runs on
// its local Ready (T3, in place of the RESET), making it MergeReady.
// The merge check task then polls every second (scaled): it aborts if
// the merged dispatcher or a source is gone or being removed
// (shouldAbortMerge), and once MergeReady runs doMerge: the sources
// leave the collector, each is closed once its sink has written what it
// was handed (tryClose, retried every 10 ms, with the abort checks
// before each round), the merged start ts becomes their smallest
// checkpoint then (SetStartTs), CommitAddDispatcher (T6) RESETs from it,
// and only then are the sources removed. abortMerge puts the surviving
// sources back to Working, registers again with the collector any that
// doMerge had already detached (a new session from the dispatcher's
// start ts: ObservedRestore tells the checkers), and removes the merged
// dispatcher. Merge blocks, so it runs on a task; it returns nil if the
// merge aborted or the node restarted meanwhile. A restart does not
// re-add a merged dispatcher that had not committed: the maintainer
// aborts a merge whose node is gone and reschedules its sources.
// BugProbeDuringMerge (6.1 F4) also has the merged dispatcher ask the
// coordinator for remote candidates.
//
// A Dispatcher's ComponentState (component_state.go) carries TiCDC's
// names: Working, Preparing, MergeReady, WaitingMerge, Stopped (closed);
// TryRemoving says a RemoveDispatcher has begun (a repeated one does
// nothing). A merged dispatcher becomes Working at its commit, where
// TiCDC passes through Initializing until its first heartbeat.
//
// # Where the model follows TiCDC rather than PROTOCOL.md
//
//   - Merge validation: PROTOCOL.md 1.9 does not say what a merge of
//     spans that are not adjacent does; TiCDC refuses it
//     (downstreamadapter/dispatchermanager/dispatcher_manager_helper.go,
//     createMergedSpan, with common.IsTableSpanConsecutive), and so does
//     the model (manager.go mergedSpan; TestMergeOfNonAdjacentSpansIsRejected).
//   - The merged start ts: TiCDC's doMerge (dispatchermanager/task.go)
//     closes the sources and takes the smallest of their checkpoints then,
//     at commit time, not the prepare-time one (createMergedSpan's fake
//     start ts); what the sources flushed between prepare and commit is
//     therefore not replayed by the merged dispatcher
//     (TestMergedStartTsIsTheSourcesCheckpointAtCommit).
//   - Merge abort: PROTOCOL.md 1.9 has no way for a merge to fail after
//     its prepare. TiCDC's MergeCheckTask (dispatchermanager task.go,
//     Execute and doMerge) checks before every poll and every round of
//     closing the sources that none of them, nor the merged dispatcher,
//     is missing or being removed (shouldAbortMerge, with TiCDC's reason
//     words), and abortMerge restores the sources' registrations with
//     the collector (HasDispatcher, AddDispatcher) before removing the
//     merged dispatcher; so does the model
//     (TestTiCDCDoMergeAbortWhenSourceDispatcherMissing and the two cases
//     after it in ticdc_conformance_test.go). The merge workload reaches
//     it by taking a source away while the merge runs: over
//     `go test ./workloads -run '^TestMerge$' -sim.seeds=50 -sim.json=FILE`
//     the coverage summed 90 aborts (87 source_dispatcher_missing, 3
//     source_dispatcher_removing) and 30 restored registrations; with
//     -sim.trace they are the "merge abort dN: <reason>" and "merge
//     abort dN: restore" lines.
//
// # A dropped table (drop.go)
//
// PROTOCOL.md's tables never go away. Upstream.DropTable (or, with
// UpstreamConfig.DropEvery, the upstream's own drop task) writes a DROP
// TABLE as a DDL at a commitTs above the table's last change and
// resolved ts; the table commits nothing afterwards, its resolved ts
// moves on (TiCDC's schema-store delete version). The event service
// hands the DDL to the table's dispatchers and to the table trigger; a
// dispatcher whose sink writes it is removed by the maintainer
// (removeDropped, with the trace line "maintainer: table T dropped at
// TS, dispatcher dN removed"), and a restart or a move never re-creates a
// dispatcher whose checkpoint is past its table's drop. The model has no
// barrier across the table's dispatchers: each writes the DDL alone.
//
// # Graceful shutdown (shutdown.go)
//
// PROTOCOL.md's nodes only crash. Each boot also registers the node's
// graceful close with the runtime (clock.GracefulStopper; the simulator
// runs it when a node fault is a graceful stop, sim node.graceful-stop):
// TiCDC's server.Close order, two close groups at once as its closeGroup
// has them, on two tasks of the node: the dispatcher orchestrator's
// Close (every dispatcher removed from the collector, its REMOVEs
// queued, its sink closed; a yield after each, as the orchestrator waits
// for each manager's asynchronous close) then the event collector's
// Close (collector.Close: queued REMOVEs never sent); and the event
// service's Close (eventservice.Service.Close). Once the node is down,
// the maintainer moves the dispatchers it closed to the nodes that are
// up (Config.NodeUp; with none, to the node itself, whose restart
// re-adds them), each from the checkpoint it had at the close, spread by
// table; a merged dispatcher that had not committed is not moved. A
// dispatcher the close did not reach (the stop timed out) is re-added at
// the restart, as after a crash. A remote event service's record of a
// moved dispatcher goes by the REMOVE if it left before the collector
// closed, else by the inactivity sweep: the checkers' I14 excuses a
// remote record whose last queued request was a REMOVE, so a lost one is
// no false alarm, and one never queued is still a leak. With -sim.trace
// the lines are "node nX: server closing", "... event collector closed:
// K queued requests never sent, M events in receive channels dropped",
// "... event service closed", "node nX: server closed, N dispatchers to
// move", the kernel's "stopped node=nX closed", then one "maintainer:
// node nX left, table T ... moves to nY from TS" per moved span
// (TestGracefulShutdownMovesTheNodesTables).
//
// The cluster installs no crash hook: a crash ends the node's tasks and
// timers and leaves its Node and dispatchers in place. A restart runs
// boot again: it counts the boot in Node.Boots, closes the previous
// incarnation's dispatchers (they become Removed), builds fresh
// components, and re-adds one dispatcher per old span, in one phase from
// the checkpoint the old one had reached, as TiCDC's maintainer
// reschedules a node's tables. The new dispatchers have new IDs; the old
// ones stay in Dispatchers for the checkers. Node.Up says only that the
// node has booted, and stays true across a crash: whether a node runs now
// is the simulator's sim.Node.Up (workloads' Run.Up).
//
// # What checkers read
//
//   - Dispatcher: Handed (every DML, DDL and sync point it accepted, in
//     order), Flushed (what its sink wrote), CheckpointTs (the sink
//     checkpoint of 1.1), StaleDropped, LateBatches and HandedAtRemoval
//     (batches with data offered after the removal, I10), Removed. The
//     sink writes everything pending after a delay drawn from SinkFlush,
//     then wakes the collector's path, which stays blocked meanwhile.
//   - Upstream: ResolvedTs, Changes and Expected(span, startTs, upto),
//     the changes a dispatcher of span must eventually forward. A change
//     is final once its commitTs is at or below the resolved ts.
//   - Config.Observe (observe.go): every request and heartbeat a collector
//     queues, in queue order, both phases of each merge, and every
//     upstream subscription an event service creates (with the
//     REGISTER's collector and onlyReuse flag), which snapshots cannot
//     give. It runs on the acting task, sometimes with a session's
//     requestMu held: it must not block, yield or call into the cluster.
//   - Each Node's Collector (Stat gives its sessions) and Service.
//
// A Watch (watch.go) lists the dispatchers whose sink or session changed
// since its consumer last called TakeChanged, each once, in the order of
// its first change, so package workloads checks after every step only
// what that step changed. A session counts as changed when its
// session.Stat.Version moves; a dispatcher closed by a restart is listed.
// Each consumer takes its own Watch, which lists nothing from before it
// was made. Code that edits a Dispatcher's exported fields directly calls
// MarkChanged so that the watches see it.
//
// # Configuration and timing
//
// DefaultConfig is three nodes, changefeed "cf", a memory quota of 1 MiB
// per changefeed and collector, eight tables of light load
// (DefaultUpstreamConfig) and a sink flush of 1-50 ms. Variants selects
// the bugs and patches the components and Merge apply; DataSharing is the
// event services' data sharing; Trace receives the components' trace
// lines. Scale multiplies every interval of the collector, event service,
// coordinator, upstream, sink and merge poll (timing.go lists them): 1 or
// 0 leaves HEAD's timing (PROTOCOL.md 7) and the runs' hashes untouched,
// and 0.02 makes the 10 s heartbeat 200 ms, so that a real run of seconds
// sees heartbeats and sweeps. HeartbeatInterval and HeartbeatTimeout, when
// positive, replace the collectors' and event services' values unscaled;
// FreeResetScans replays the reset storm of FINDINGS.md.
//
// # Local traffic
//
// A node's components share one network attachment, with one router task
// per stream that hands each message to the component it is for. A
// message to the sender's own node (between a collector and its local
// event service L, and on n1 to or from the coordinator) never crosses
// the network, as with TiCDC's local message target: it goes straight to
// the component's mailbox, in send order, and no network fault touches
// it. The network's counters miss these messages; LocalMessages counts
// them.
//
// # Faults of this package (package fault)
//
// What TiCDC can lose or delay here, and what the model injects:
//   - A local send can fail: TiCDC's local target (pkg/messaging
//     local_target.go sendMsgToChan) returns a congested error when the
//     receiving channel is full, and the sender handles it as for a remote
//     peer. Site cluster/local-congested fails it with
//     network.ErrCongested. A local send is never lost silently, never
//     duplicated and never reordered: sendMsgToChan either queues the
//     message in order or fails, so the model injects none of these.
//   - A table's resolved ts can stop moving: TiKV's resolved ts of a span is
//     held by its slowest region, and a region without a leader holds it
//     until it has one. Site cluster/resolved-stall freezes one table's
//     resolved ts for 1 to 20 s; commits go on above it. A stall ends at
//     the heal at the latest (clock.Runtime.FaultsOn). The resolved ts never goes
//     back, and no committed change is lost upstream: TiKV cannot do
//     either, so the model does not.
//
// # TiCDC's assertions
//
// The dispatcher asserts what TiCDC's handleEvents does, with TiCDC's
// message (internal/tiassert): a DDL or sync point only alone, no event
// type it does not know. A handshake handed to it is the model's own
// assertion, since TiCDC only warns there. The dispatcher manager's
// assertions all concern scheduler, maintainer and redo messages the
// model does not have; docs/ticdc-assertions.md lists them.
//
// # Locking
//
// In real mode the workload's goroutine and the nodes' tasks share the
// cluster: its mu (a clock.Guard) guards Dispatchers, the next ID and
// every Node field but ID; each Dispatcher and the Upstream have their own
// guard, and the watches' guard is a leaf. Read the exported fields
// directly only when nothing runs (under the simulator, or in real mode
// after the runtime's Wait); during a live real run use AllDispatchers,
// NodeDispatchers, AllUp, CheckpointTs and FlushedCopy.
//
//dst:simulated
package cluster
