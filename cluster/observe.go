package cluster

import (
	"github.com/cdcsim/cdcsim/collector"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/wire"
)

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
	// ObservedSent: a component of Node sent Msg to node To and the send
	// did not fail (the network may still lose it): the event service's
	// events and the collector's congestion control, for the checkers
	// that count messages (workloads, I15). Dispatcher is the event's,
	// zero for other messages.
	ObservedSent
	// ObservedDrop: memory control on Node's collector decided on a
	// droppable event arriving for Dispatcher; Msg is the
	// collector.DropDecision (collector.Config.ObserveDrop), for the
	// checker of the drop threshold (workloads, I23).
	ObservedDrop
	// ObservedSendFailed: Node's event service failed to send Msg to the
	// collector of node To on the event stream; Err is why
	// (network.ErrCongested: TiCDC retries it), for the checker of the
	// retry (workloads, I26).
	ObservedSendFailed
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
	Msg        any               // ObservedRequest, ObservedSent and ObservedDrop only
	OnlyReuse  bool              // ObservedSubscription only
	Err        error             // ObservedSendFailed only
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

// observeSent returns the endpoint hook of node n's components, nil when
// nobody observes.
func (c *Cluster) observeSent(n *Node) func(to wire.ServerID, msg any) {
	if c.cfg.Observe == nil {
		return nil
	}
	return func(to wire.ServerID, msg any) {
		o := Observation{Kind: ObservedSent, Node: n.ID, To: to, Msg: msg}
		if ev, ok := msg.(wire.Event); ok {
			o.Dispatcher = ev.Dispatcher()
		}
		c.observe(o)
	}
}

// observeDrops returns the collector's memory-control hook of node n,
// nil when nobody observes.
func (c *Cluster) observeDrops(n *Node) func(collector.DropDecision) {
	if c.cfg.Observe == nil {
		return nil
	}
	return func(d collector.DropDecision) {
		c.observe(Observation{Kind: ObservedDrop, Node: n.ID, Dispatcher: d.Dispatcher, Msg: d})
	}
}

// observeCongested returns the event-service endpoint's failure hook of
// node n (event-stream sends only), nil when nobody observes.
func (c *Cluster) observeCongested(n *Node) func(to wire.ServerID, st network.Stream, msg any, err error) {
	if c.cfg.Observe == nil {
		return nil
	}
	return func(to wire.ServerID, st network.Stream, msg any, err error) {
		if st != wire.StreamEvent {
			return
		}
		o := Observation{Kind: ObservedSendFailed, Node: n.ID, To: to, Msg: msg, Err: err}
		if ev, ok := msg.(wire.Event); ok {
			o.Dispatcher = ev.Dispatcher()
		}
		c.observe(o)
	}
}
