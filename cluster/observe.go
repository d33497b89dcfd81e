package cluster

import "github.com/cdcsim/cdcsim/wire"

// ObservationKind says what an Observation reports.
type ObservationKind uint8

const (
	// ObservedRequest: Node's collector queued Msg (a
	// *wire.DispatcherRequest or *wire.DispatcherHeartbeat) for the event
	// service To, in queue order (collector.Config.ObserveRequest).
	ObservedRequest ObservationKind = iota + 1
	// ObservedPrepare: the manager is about to PrepareAddDispatcher the
	// merged Dispatcher on Node (the first phase of a two-phase add).
	ObservedPrepare
	// ObservedCommit: the manager is about to CommitAddDispatcher the
	// merged Dispatcher on Node (T6, the second phase).
	ObservedCommit
	// ObservedSubscription: the event service on Node created an
	// upstream subscription for a REGISTER of Dispatcher that came from
	// the collector of node To (eventservice.Config.ObserveSubscription);
	// OnlyReuse is the REGISTER's flag.
	ObservedSubscription
	// ObservedRestore: an aborted merge is about to register the source
	// Dispatcher on Node with its collector again (abortMerge), after the
	// merge had removed it: a new session for the same dispatcher, whose
	// epochs and requests start over.
	ObservedRestore
)

// Observation is one thing the cluster reports to Config.Observe: the
// history that the checkers of PROTOCOL.md 5 need and that snapshots of
// the state cannot give (the request stream for I1, the two-phase add's
// phases for I13).
type Observation struct {
	Kind       ObservationKind
	Node       wire.ServerID
	To         wire.ServerID     // ObservedRequest: the service; ObservedSubscription: the REGISTER's collector
	Dispatcher wire.DispatcherID // ObservedPrepare, ObservedCommit, ObservedRestore, and a request's dispatcher
	Msg        any               // ObservedRequest only
	OnlyReuse  bool              // ObservedSubscription only
}

// observe hands o to Config.Observe, if set. It runs on the task that
// acted, sometimes with a session's requestMu held: the observer must not
// block, yield or call into the cluster.
func (c *Cluster) observe(o Observation) {
	if c.cfg.Observe != nil {
		c.cfg.Observe(o)
	}
}

// observeRequests returns the collector hook of node n, nil when nobody
// observes.
func (c *Cluster) observeRequests(n *Node) func(to wire.ServerID, msg any) {
	if c.cfg.Observe == nil {
		return nil
	}
	return func(to wire.ServerID, msg any) {
		o := Observation{Kind: ObservedRequest, Node: n.ID, To: to, Msg: msg}
		if r, ok := msg.(*wire.DispatcherRequest); ok {
			o.Dispatcher = r.DispatcherID
		}
		c.observe(o)
	}
}

// observeSubscriptions returns the event-service hook of node n, nil
// when nobody observes.
func (c *Cluster) observeSubscriptions(n *Node) func(id wire.DispatcherID, from wire.ServerID, onlyReuse bool) {
	if c.cfg.Observe == nil {
		return nil
	}
	return func(id wire.DispatcherID, from wire.ServerID, onlyReuse bool) {
		c.observe(Observation{Kind: ObservedSubscription, Node: n.ID, To: from, Dispatcher: id, OnlyReuse: onlyReuse})
	}
}
