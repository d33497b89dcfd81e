package cluster

import (
	"fmt"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/collector"
	"github.com/cdcsim/cdcsim/eventservice"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/variant"
	"github.com/cdcsim/cdcsim/wire"
)

// Config describes a cluster. Timing constants of the components default
// to PROTOCOL.md 7 inside their packages; Scale shrinks every interval of
// the collector and event service by the same factor, for real mode.
type Config struct {
	Nodes       int // nodes n1..nN; the log coordinator runs on n1
	Changefeed  wire.ChangefeedID
	MemoryQuota uint64 // per changefeed, per collector
	Upstream    UpstreamConfig
	// SinkFlush is how long a sink takes to flush what it was handed.
	SinkFlush   network.Dist
	Variants    variant.Set
	DataSharing bool
	Trace       func(format string, args ...any)
}

// DefaultConfig is a three-node cluster over eight tables.
func DefaultConfig() Config {
	return Config{Nodes: 3, Changefeed: "cf", MemoryQuota: 1 << 20, Upstream: DefaultUpstreamConfig(8),
		SinkFlush: network.Uniform(time.Millisecond, 50*time.Millisecond)}
}

// NodeStarter starts a node: under the simulator it is World.NewNode
// (boot runs again on every restart), in real mode a plain task.
type NodeStarter func(name string, boot func())

// Cluster is the system under test: nodes with their collectors, event
// services and dispatchers, one log coordinator, and the upstream.
type Cluster struct {
	cfg      Config
	rt       clock.Runtime
	net      network.Network
	Upstream *Upstream
	nodes    []*Node
	// Dispatchers is every dispatcher ever created, in creation order: the
	// checkers read their sinks after they are gone too.
	Dispatchers []*Dispatcher
	nextID      wire.DispatcherID
}

// Node is one node's current incarnation.
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
// with start and the upstream's generator. Call it from a task.
func New(rt clock.Runtime, net network.Network, start NodeStarter, cfg Config) *Cluster {
	c := &Cluster{cfg: cfg, rt: rt, net: net, Upstream: NewUpstream(rt, cfg.Upstream)}
	c.Upstream.Run()
	for i := range cfg.Nodes {
		n := &Node{ID: wire.ServerID(fmt.Sprintf("n%d", i+1))}
		c.nodes = append(c.nodes, n)
		start(string(n.ID), func() { c.boot(n) })
	}
	return c
}

// Nodes returns the nodes in order.
func (c *Cluster) Nodes() []*Node { return c.nodes }

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
	n.Boots++
	var spans []wire.Span
	var checkpoints []wire.Ts
	for _, d := range n.Dispatchers {
		spans, checkpoints = append(spans, d.span), append(checkpoints, d.CheckpointTs())
		d.close()
	}
	n.Dispatchers = nil
	f := newFanout(c.rt, c.net.Attach(n.ID, wire.StreamCommand, wire.StreamEvent))
	f.run()
	coord := c.nodes[0].ID
	n.Service = eventservice.New(eventservice.Config{Runtime: c.rt, Node: n.ID, Endpoint: f.endpoint(roleEventService),
		Upstream: c.Upstream, Coordinator: coord, Variants: c.cfg.Variants, DataSharing: c.cfg.DataSharing, Trace: c.cfg.Trace})
	n.Service.Run()
	cc := collector.DefaultConfig(c.rt, n.ID, f.endpoint(roleCollector))
	cc.Variants, cc.Trace = c.cfg.Variants, c.cfg.Trace
	n.Collector = collector.New(cc)
	n.Collector.Run()
	if n.ID == coord {
		c.startCoordinator(f.endpoint(roleCoordinator))
	}
	n.Up = true
	c.readd(n, spans, checkpoints)
}

// newDispatcher creates a dispatcher of span on node n.
func (c *Cluster) newDispatcher(n *Node, span wire.Span, startTs wire.Ts) *Dispatcher {
	c.nextID++
	d := newDispatcher(c.rt, c.nextID, c.cfg.Changefeed, span, n.ID, startTs, c.cfg.SinkFlush)
	c.Dispatchers = append(c.Dispatchers, d)
	n.Dispatchers = append(n.Dispatchers, d)
	return d
}

// AddDispatcher is the one-phase add (PROTOCOL.md 1.9) of span on node n
// from startTs.
func (c *Cluster) AddDispatcher(n *Node, span wire.Span, startTs wire.Ts) *Dispatcher {
	d := c.newDispatcher(n, span, startTs)
	n.Collector.AddDispatcher(d, c.cfg.MemoryQuota)
	return d
}

// RemoveDispatcher removes a dispatcher from its node's collector and
// closes its sink.
func (c *Cluster) RemoveDispatcher(d *Dispatcher) {
	n := c.Node(d.node)
	for i, x := range n.Dispatchers {
		if x == d {
			n.Collector.RemoveDispatcher(d.id)
			d.close()
			n.Dispatchers = append(n.Dispatchers[:i], n.Dispatchers[i+1:]...)
			return
		}
	}
}

// TableSpan returns the whole span of a table.
func (c *Cluster) TableSpan(table int64) wire.Span {
	return wire.Span{TableID: table, StartKey: 0, EndKey: c.cfg.Upstream.KeySpace}
}
