package cluster

import (
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/collector"
	"github.com/cdcsim/cdcsim/eventservice"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/variant"
	"github.com/cdcsim/cdcsim/wire"
)

// Config describes a cluster. Timing constants of the components default
// to PROTOCOL.md 7 inside their packages; Scale multiplies every interval
// of the collector, event service, coordinator, upstream, sink and merge
// task by the same factor, so that a run of a few seconds in real mode
// sees heartbeats, Ready back-off and sweeps.
type Config struct {
	Nodes       int // nodes n1..nN; the log coordinator runs on n1
	Changefeed  wire.ChangefeedID
	MemoryQuota uint64 // per changefeed, per collector
	Upstream    UpstreamConfig
	// SinkFlush is how long a sink takes to flush what it was handed.
	SinkFlush network.Dist
	// Scale multiplies every interval (see timing.go): 1 (or 0) is HEAD's
	// timing, 0.02 turns the 10 s heartbeat into 200 ms.
	Scale       float64
	Variants    variant.Set
	DataSharing bool
	Trace       func(format string, args ...any)
	// Observe, if set, is told of every request a collector queues and of
	// both phases of every two-phase add (observe.go): for checkers only,
	// it changes nothing the cluster does.
	Observe func(Observation)
	// HeartbeatTimeout, if positive, replaces every event service's
	// inactivity timeout (HEAD: 3600 s, times Scale) as is, unscaled: a
	// fault knob for workloads that need services to sweep records their
	// collectors still have (PROTOCOL.md 3.2 f). 0 leaves HEAD's value.
	HeartbeatTimeout time.Duration
	// FreeResetScans makes the scan a RESET asks for cost no virtual time
	// (eventservice.Config.ResetScanCost -1), as the model had it before
	// the reset storm of FINDINGS.md: only to replay that finding.
	FreeResetScans bool
	// HeartbeatInterval, if positive, replaces every collector's
	// heartbeat interval (HEAD: 10 s, times Scale) as is, unscaled: for
	// workloads whose interesting windows (a remote current service, the
	// moments after a RESET) are much shorter than 10 s, so that the
	// heartbeat checkers (I7, I8) see reports inside them.
	HeartbeatInterval time.Duration
	// Options are the changefeed's request options every dispatcher
	// sends in its REGISTERs and RESETs (session.OptionsTarget): sync
	// points, low-latency mode, transaction atomicity. The zero value is
	// a changefeed without sync points, as every workload had before.
	Options wire.RequestOptions
	// SkipSyncpointAtStartTs is every dispatcher's
	// GetSkipSyncpointAtStartTs: the sync point at its start ts was
	// written already, so its first REGISTER (and a RESET from the start
	// ts) asks for the next one.
	SkipSyncpointAtStartTs bool
	// NodeUp, if set, reports whether a node runs now (under the
	// simulator, sim.Node.Up): the maintainer moves a node's tables to
	// nodes that are up after it shut down (shutdown.go). nil: every
	// node is up, as in real mode.
	NodeUp func(wire.ServerID) bool
}

// DefaultConfig is a three-node cluster over eight tables.
func DefaultConfig() Config {
	return Config{Nodes: 3, Changefeed: "cf", MemoryQuota: 1 << 20, Upstream: DefaultUpstreamConfig(8),
		SinkFlush: network.Uniform(time.Millisecond, 50*time.Millisecond), Scale: 1}
}

// NodeStarter starts a node: under the simulator it is World.NewNode
// (boot runs again on every restart), in real mode a plain task.
type NodeStarter func(name string, boot func())

// Cluster is the system under test: nodes with their collectors, event
// services and dispatchers, one log coordinator, and the upstream.
//
// In real mode the cluster is shared between the workload's goroutine
// and the nodes' boot tasks: mu guards Dispatchers, nextID and every
// node's fields. The exported fields are for code that reads them when
// nothing else runs (under the simulator, or in real mode after the
// runtime's Wait); during a live real run use the accessors
// (AllDispatchers, NodeDispatchers, AllUp).
type Cluster struct {
	cfg      Config
	rt       clock.Runtime
	net      network.Network
	Upstream *Upstream
	nodes    []*Node // fixed by New
	mu       *clock.Guard
	// Dispatchers is every dispatcher ever created, in creation order: the
	// checkers read their sinks after they are gone too.
	Dispatchers []*Dispatcher
	nextID      wire.DispatcherID
	// locals counts the messages between a node's own components, which
	// never cross the network (endpoint.go).
	locals atomic.Uint64
	// watches list the dispatchers whose sink or session changed (Watch).
	watches *watches
}

// Node is one node's current incarnation. ID never changes; the other
// fields are guarded by the cluster's mu.
type Node struct {
	ID        wire.ServerID
	Collector *collector.EventCollector
	Service   *eventservice.Service
	// Dispatchers are the dispatchers living on this incarnation.
	Dispatchers []*Dispatcher
	Up          bool
	Boots       int
}

// New builds a cluster on a runtime and a network, starting every node
// with start and the upstream's generator. Call it from a task (in real
// mode, any goroutine: then wait for AllUp before adding dispatchers).
func New(rt clock.Runtime, net network.Network, start NodeStarter, cfg Config) *Cluster {
	c := &Cluster{cfg: cfg, rt: rt, net: net, Upstream: NewUpstream(rt, cfg.scaledUpstream()), mu: clock.NewGuard(rt), watches: &watches{mu: clock.NewGuard(rt)}}
	c.Upstream.trace, c.Upstream.cover = cfg.Trace, clock.CoverFunc(rt)
	c.Upstream.Run()
	// Every node exists before any boots: a boot (a goroutine in real
	// mode) reads the node list.
	for i := range cfg.Nodes {
		c.nodes = append(c.nodes, &Node{ID: wire.ServerID(fmt.Sprintf("n%d", i+1))})
	}
	for _, n := range c.nodes {
		start(string(n.ID), func() { c.boot(n) })
	}
	return c
}

// Nodes returns the nodes in order.
func (c *Cluster) Nodes() []*Node { return c.nodes }

// LocalMessages returns how many messages the nodes' components have
// sent to their own node's components (a collector and its local event
// service), which never cross the network and so are not in the
// network's counters.
func (c *Cluster) LocalMessages() uint64 { return c.locals.Load() }

// AllUp reports whether every node has booted.
func (c *Cluster) AllUp() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.nodes {
		if !n.Up {
			return false
		}
	}
	return true
}

// AllDispatchers returns a copy of Dispatchers.
func (c *Cluster) AllDispatchers() []*Dispatcher {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.Dispatchers)
}

// NodeDispatchers returns a copy of the dispatchers living on n.
func (c *Cluster) NodeDispatchers(n *Node) []*Dispatcher {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(n.Dispatchers)
}

// collectorOf returns n's current collector.
func (c *Cluster) collectorOf(n *Node) *collector.EventCollector {
	c.mu.Lock()
	defer c.mu.Unlock()
	return n.Collector
}

// boots returns how many times n has booted.
func (c *Cluster) boots(n *Node) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return n.Boots
}

// Node returns a node by ID.
func (c *Cluster) Node(id wire.ServerID) *Node {
	for _, n := range c.nodes {
		if n.ID == id {
			return n
		}
	}
	panic("cluster: no node " + string(id))
}

// boot builds a node's components from nothing, as a restarted process
// does, and starts their tasks. Dispatchers of a previous incarnation are
// gone; the workload's scheduler adds them again.
func (c *Cluster) boot(n *Node) {
	c.mu.Lock()
	n.Boots++
	old := n.Dispatchers
	n.Dispatchers = nil
	c.mu.Unlock()
	var spans []wire.Span
	var checkpoints []wire.Ts
	for _, d := range old {
		// A merged dispatcher before its commit is not rescheduled: the
		// maintainer aborts a merge whose node is gone (TiCDC maintainer
		// operator_merge.go, MergeDispatcherOperator.OnNodeRemove) and
		// reschedules its sources, which are among old.
		if st := d.ComponentStatus(); st != Preparing && st != MergeReady {
			spans, checkpoints = append(spans, d.span), append(checkpoints, d.CheckpointTs())
		}
		d.close()
	}
	f := newFanout(c.rt, c.net.Attach(n.ID, wire.StreamCommand, wire.StreamEvent), &c.locals)
	f.run()
	coord := c.nodes[0].ID
	ec := c.cfg.scaleEventService(eventservice.Config{Runtime: c.rt, Node: n.ID, Endpoint: withFailures(f.observedEndpoint(roleEventService, c.observeSent(n)), c.observeCongested(n)),
		Upstream: c.Upstream, Coordinator: coord, Variants: c.cfg.Variants, DataSharing: c.cfg.DataSharing, Trace: c.cfg.Trace,
		ObserveSubscription: c.observeSubscriptions(n)})
	if c.cfg.HeartbeatTimeout > 0 {
		ec.HeartbeatTimeout = c.cfg.HeartbeatTimeout // unscaled, see Config
	}
	if c.cfg.FreeResetScans {
		ec.ResetScanCost = -1 // free
	}
	svc := eventservice.New(ec)
	svc.Run()
	cc := c.cfg.scaleCollector(collector.DefaultConfig(c.rt, n.ID, f.observedEndpoint(roleCollector, c.observeSent(n))))
	if c.cfg.HeartbeatInterval > 0 {
		cc.HeartbeatInterval = c.cfg.HeartbeatInterval // unscaled, see Config
	}
	cc.Variants, cc.Trace, cc.ObserveRequest = c.cfg.Variants, c.cfg.Trace, c.observeRequests(n)
	cc.SessionChanged, cc.ObserveDrop = sessionChanged, c.observeDrops(n)
	coll := collector.New(cc)
	coll.Run()
	if n.ID == coord {
		c.startCoordinator(f.endpoint(roleCoordinator))
	}
	c.mu.Lock()
	n.Service, n.Collector, n.Up = svc, coll, true
	c.mu.Unlock()
	c.registerShutdown(n)
	c.readd(n, spans, checkpoints)
}

// newDispatcher creates a dispatcher of span on node n.
func (c *Cluster) newDispatcher(n *Node, span wire.Span, startTs wire.Ts) *Dispatcher {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nextID++
	d := newDispatcher(c.rt, c.nextID, c.cfg.Changefeed, span, n.ID, startTs, c.cfg.scaledSinkFlush())
	d.Index, d.watches = len(c.Dispatchers), c.watches
	d.options, d.skipSyncpointAtStartTs = c.cfg.Options, c.cfg.SkipSyncpointAtStartTs
	d.droppedBy = func(f Forwarded) bool { return c.Upstream.droppedBy(span, f) }
	d.onDropWritten = func(dropTs wire.Ts) {
		c.rt.Go("maintainer/remove-dropped", func() { c.removeDropped(d, dropTs) })
	}
	c.Dispatchers = append(c.Dispatchers, d)
	n.Dispatchers = append(n.Dispatchers, d)
	return d
}

// AddDispatcher is the one-phase add (PROTOCOL.md 1.9) of span on node n
// from startTs.
func (c *Cluster) AddDispatcher(n *Node, span wire.Span, startTs wire.Ts) *Dispatcher {
	d := c.newDispatcher(n, span, startTs)
	c.collectorOf(n).AddDispatcher(d, c.cfg.MemoryQuota)
	return d
}

// RemoveDispatcher removes a dispatcher from its node's collector and
// closes its sink. It reports whether it did: a dispatcher no longer
// living on its node, or whose removal has already begun (TiCDC's
// removeDispatcher skips a repeated request), is left alone.
func (c *Cluster) RemoveDispatcher(d *Dispatcher) bool {
	n := c.Node(d.node)
	c.mu.Lock()
	coll, live := n.Collector, slices.Contains(n.Dispatchers, d)
	c.mu.Unlock()
	if !live || !d.setTryRemoving() {
		return false
	}
	coll.RemoveDispatcher(d.id)
	d.close()
	c.mu.Lock()
	defer c.mu.Unlock()
	// Found again: the list may have changed while the collector's
	// removal blocked.
	if i := slices.Index(n.Dispatchers, d); i >= 0 {
		n.Dispatchers = slices.Delete(n.Dispatchers, i, i+1)
	}
	return true
}

// ResendRemove hands d's removal to its node's collector again, whether
// or not the cluster still lists d: a remove the maintainer resent (TiCDC's
// EventCollector.RemoveDispatcher finds nothing in its dispatcherMap and
// returns; an already removed session sends no second REMOVE). The
// caller checks that the node is up: a crashed node's collector stays in
// Node.Collector until the restart replaces it, and must not run again.
func (c *Cluster) ResendRemove(d *Dispatcher) {
	n := c.Node(d.node)
	c.mu.Lock()
	coll := n.Collector
	c.mu.Unlock()
	if coll != nil {
		coll.RemoveDispatcher(d.id)
	}
}

// TableSpan returns the whole span of a table.
func (c *Cluster) TableSpan(table int64) wire.Span {
	return wire.Span{TableID: table, StartKey: 0, EndKey: c.cfg.Upstream.KeySpace}
}
