package cluster

import (
	"github.com/cdcsim/cdcsim/coordinator"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/wire"
)

// startCoordinator starts the log coordinator on the node whose endpoint
// is given (n1): it dies with that node and starts afresh when it boots.
func (c *Cluster) startCoordinator(ep network.Endpoint) {
	nodes := make([]wire.ServerID, len(c.nodes))
	for i, n := range c.nodes {
		nodes[i] = n.ID
	}
	coordinator.New(c.cfg.scaleCoordinator(coordinator.Config{Runtime: c.rt, Node: ep.ID(), Endpoint: ep, Nodes: nodes, Trace: c.cfg.Trace})).Run()
}
