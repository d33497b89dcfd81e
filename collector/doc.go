// Package collector models TiCDC's per-node EventCollector
// (downstreamadapter/eventcollector, PROTOCOL.md 1.5, 1.6, 2.5, 3.6, 4.1):
// the map of dispatchers and their sessions (package session), the
// request send queue with tail requeue and retry quotas, the heartbeat and
// congestion-control loops, heartbeat responses driving T8, the
// log-coordinator client, and the per-dispatcher event path (TiCDC's
// dynamic stream) with its memory control.
//
// # TiCDC's assertions
//
// Where TiCDC's event collector asserts with log.Panic, the model asserts
// the same condition through internal/tiassert, with TiCDC's message: the
// handler refuses a batch of Ready or NotReusable (dynstream.go, handle);
// the session's checks are in package session. docs/ticdc-assertions.md
// lists every site and why the rest do not apply.
//
// # Tasks
//
// Each goroutine of PROTOCOL.md 4.1 is a task, so the interleavings of 4.3
// can happen:
//
//	router/event    the event-stream router: data and signal events to the
//	                receive channels, coordinator answers to the client (T2)
//	runDispatchMessage-i  one per receive channel (32): pushes into the
//	                event path (ds.Push only, no session call)
//	router/command  the command-stream router: heartbeat responses (T8)
//	ds/worker-i     event-path workers: the data path and signal handling
//	                (T3, T4, T5, T7), serial per dispatcher
//	send            sendDispatcherRequests: drains the request queue
//	heartbeat       every 10 s: T10 for every dispatcher, one heartbeat per
//	                event service
//	congestion      every 1 s: CongestionControl per current service
//	coordinator     the log-coordinator client's request loop
//	processDSFeedback  carries out memory-release feedback (ds.Release)
//	checkStuckAreas the stuck-area detector, every ReleaseInterval
//
// The dispatcher manager's calls (AddDispatcher, PrepareAddDispatcher,
// CommitAddDispatcher, RemoveDispatcher) run on the caller's task.
//
// # Shared state
//
// The state the tasks above share (the dispatcher map, the areas and
// paths, the counters, the coordinator client's coordinator) is guarded
// by one clock.Guard, never held across a scheduling point: a session
// call or a Sleep happens after a snapshot is taken and the guard is
// released. Under the simulator the guard changes nothing; on real
// goroutines it keeps the collector free of data races.
//
// # Send queue (PROTOCOL.md 2.5)
//
// One task pops a request and sends it. On failure it decrements the
// request's retry quota if the request is droppable, drops it when the
// quota is spent, and otherwise pushes it back at the tail of the queue
// and sleeps 10 ms (1 s after "congested"): so a failed request can be
// overtaken by later ones, and a REGISTER can land after a REMOVE.
// Requests to L are not droppable (retried forever), requests to a remote
// service have 3 attempts, heartbeats 1.
//
// # Event path and memory control (PROTOCOL.md 2.5, 3.4, 3.6)
//
// Every dispatcher has a path: a FIFO of (sender, event) served by one
// worker, serially. DML, batch DML and resolved events are delivered in
// batches; everything else one at a time. A path whose sink returns
// "block" waits for the sink's wake. Memory is accounted per changefeed
// (the area): when an area's pending size reaches 1.5x its quota, a
// droppable event (DML, batch DML, DDL, sync point) arriving for it is
// replaced by a DropEvent, and release feedback is posted: the
// processDSFeedback task then chooses the blocked paths holding at least
// 256 bytes and discards their queues, without telling the handler,
// Handshake and Ready included (at most once a second). As in TiCDC's
// releaseMemory (utils/dynstream/memory_control.go), the paths go in
// descending order of the commit ts they last handled and the release
// stops once 60 % of the pending size is released; PROTOCOL.md 7 says
// only "aims at 60 %", and the model took the largest paths first and
// stopped with 60 % left, until the mutation sample's survivor
// 6dbdfb3a6fcb showed the difference (FINDINGS.md). The stuck-area detector posts the
// same feedback for an area still receiving, not shrinking for 5 s and
// above 60 % of its quota. Events reach the path through 32 bounded
// receive channels, one per (sender, dispatcher) stream, so the router
// blocks while a channel is full. A resolved event arriving behind a queued
// resolved event replaces it (a periodic signal), which never creates a
// seq error since both carry the same seq.
//
// # What the event path can lose (package fault)
//
// TiCDC's dynstream (utils/dynstream at b813e76f9) loses events of a path
// in exactly two ways, and the model has both, on every path, the local
// service's included:
//   - a droppable event (DML, batch DML, DDL, sync point; never a
//     resolved event, whose OnDrop gives nothing) arriving while its area
//     is at 1.5x its quota becomes a DropEvent (memory_control.go
//     appendEvent, helper.go EventsHandler.OnDrop). Site
//     collector/drop-event does it regardless of the usage (TiCDC's own
//     failpoint InjectDropEvent does the same); site
//     collector/memory-pressure makes an arrival find its area under
//     pressure, so release feedback is posted.
//   - a release empties a path's whole queue, whatever its kinds
//     (Handshake, Ready, NotReusable, resolved and DropEvents included),
//     with no notice to the handler (event_queue.go releasePath with
//     notifyDrop false). releaseMemory chooses the paths (blocked, at
//     least 256 bytes) when it runs; the release reaches the stream later,
//     through feedbackChan, event_collector.go processDSFeedback and
//     ds.Release, and then empties whatever the path holds, even if it was
//     woken in between. Site collector/release-late delays the discard by
//     up to 2 s after the choice, for that window.
//
// Not a loss but a timing the wake must survive: site
// collector/handler-slow makes the handler return up to 200 ms after
// handing a batch to a sink that blocks the path, so the sink's flush
// and wake can come while the batch is still being served; serve keeps
// such a wake (woken) as TiCDC's stream does, which handles a wake as an
// event after Handle returns (stream.go handleLoop).
//
// Afterwards, in TiCDC as here: a DropEvent of the current epoch resets
// the dispatcher (dispatcher_stat.go handleDropEvent); a released data
// event or Handshake shows as a seq gap, or as data before the Handshake,
// at the next event of that epoch, which resets it too
// (verifyEventSequence); a released resolved event is superseded by the
// next; a released Ready is sent again by the service's Ready back-off
// while the record is at epoch 0; a released NotReusable is not sent
// again.
//
// # Close (a graceful shutdown)
//
// PROTOCOL.md has nodes crash, never stop. TiCDC's server.Close closes
// the dispatcher orchestrator (every dispatcher removed, REMOVEs queued)
// and then the event collector (EventCollector.Close: its goroutines
// cancelled and waited for, its dynstream closed). Close (close.go) is
// the latter: every task stops at its next step, what the send queue,
// the receive channels (full or not), the dynstream and the coordinator
// client hold is lost, a router blocked on a full receive channel wakes,
// and nothing is sent or handed to a dispatcher afterwards. So a
// graceful shutdown loses the REMOVEs that were still queued: a remote
// service keeps such a record until its inactivity sweep, as when the
// network loses the REMOVE (TestCloseDropsQueuedRemovesAndStopsHeartbeats,
// TestCloseWakesARouterBlockedOnAFullReceiveChannel). Package cluster's
// shutdown.go calls it in TiCDC's order.
//
// # Areas come and go with their dispatchers
//
// PROTOCOL.md 3.6 counts memory per changefeed but does not say how long
// that account lives. In TiCDC the dynstream's area is created with the
// changefeed's first path and deleted with its last
// (utils/dynstream/memory_control.go, addPathToArea and
// removePathFromArea), and every path added stores its quota as the
// area's settings. The model does the same (dynstream.go area and
// removePath): a changefeed with no dispatcher left is in no
// congestion-control message, and a dispatcher added to it afterwards
// starts from a fresh area, with no release count and no release interval
// running (TestAreaIsDeletedWithItsLastDispatcher).
//
// What TiCDC cannot lose, the model does not either: an event in a batch
// the handler is serving, an event of a path that was never chosen for
// release (a path that is not blocked when the choice is made), or a
// resolved event behind another one other than by replacement (a newer
// periodic signal replaces the queued one; nothing is lost).
//
//dst:simulated
package collector
