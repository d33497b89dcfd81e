// Package coordinator models TiCDC's log coordinator
// (logservice/coordinator; PROTOCOL.md 1.8, 2.4): one per cluster. It
// keeps each node's last event-store state, tells every node where it is,
// and answers a collector's question "which remote event services could
// serve this span from this ts?".
//
// # Use
//
//	k := coordinator.New(coordinator.Config{
//		Runtime: w, Node: "n0", Endpoint: ep, Nodes: []wire.ServerID{"n0", "n1", "n2"},
//	})
//	k.Run() // starts the intake and broadcast tasks and returns
//
// The intake task reads Config.Commands (by default the endpoint's
// command inbox): an EventStoreState replaces its node's state and marks
// the node alive; a ReusableEventServiceRequest is answered at once with
// a ReusableEventServiceResponse on wire.StreamEvent to the requesting
// node (the request's From, or the envelope's sender). A failed answer is
// only traced: nothing retries it, as in TiCDC. Any other message panics,
// naming its type; a node that shares its command stream routes with
// Handles. The broadcast task sends a LogCoordinatorBroadcast to every
// node of Config.Nodes, the coordinator's own included, every
// BroadcastInterval, on wire.StreamEvent.
//
// # The candidate rule
//
// Candidates is the rule as a pure function, tested alone: the nodes
// other than the requester with a subscription that covers the span,
// has checkpointTs <= StartTs and has finished its initial scan
// (checkpointTs < resolvedTs); each node counts with its best such
// resolved ts; a node more than MaxCandidateLag (one hour) behind StartTs
// is dropped; the rest are sorted by that resolved ts, largest first;
// nodes not alive are dropped. An empty answer is valid and is sent.
//
// # Modelling choices where PROTOCOL.md is silent
//
//   - Ts is milliseconds of physical time, so the one-hour cut-off is
//     3,600,000 (TiCDC compares the physical parts of two TSOs).
//   - A node is alive while its last upload is at most AliveUploads (3)
//     upload intervals old; before its first upload it is not. TiCDC asks
//     the cluster's membership instead; upload recency is what the model
//     has, and a crashed node stops uploading.
//   - Equal resolved ts are ordered by node ID (TiCDC's sort leaves them
//     in map order).
//   - Requests are answered from the states held at that moment.
//   - Membership: TiCDC's node manager tells the coordinator of every
//     change of the cluster's nodes, and handleNodeChange forgets the
//     event-store state of a node that left
//     (logservice/coordinator/coordinator.go). The model has no node
//     manager; its membership is the alive check: on every broadcast
//     round (watchMembership) the nodes alive now are handed to
//     HandleNodeChange, which forgets the state of a member no longer
//     among them, as TiCDC does (TestDepartedNodeStateIsForgotten). A
//     node that uploads again joins again with its new state. TiCDC's
//     per-changefeed resolved-ts states, which it also cleans there, are
//     not modelled.
//
// # TiCDC's assertions
//
// TiCDC's logservice/coordinator has no log.Panic or log.Fatal at the
// modelled commit, so the coordinator asserts nothing on TiCDC's behalf;
// its two panics (an unrouted message, two states from one node) are the
// model's own. docs/ticdc-assertions.md covers the other components.
//
// # Tasks and the lock
//
// The intake and broadcast tasks share nothing but the configuration; the
// states are guarded by a clock.Mutex so that States and Alive may be
// called from checkers and, in real mode, from other goroutines.
//
//dst:simulated
package coordinator
