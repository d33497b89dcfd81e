package cluster_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// shutdownView is what TestGracefulShutdownMovesTheNodesTables saw.
type shutdownView struct {
	closedBeforeDown bool   // n2's collector and service closed while n2 was still up
	removedOnN2      int    // n2's dispatchers closed by the shutdown
	movedTo          string // the nodes the moved spans went to
	onN2AfterRestart int    // dispatchers living on n2 after its restart
	lagging          []string
	trace            string
}

// A node shut down gracefully (TiCDC's server.Close: the dispatcher
// orchestrator closes every dispatcher, the event collector and the event
// service close) goes down with its collector and event service closed;
// the maintainer moves its tables to the nodes that are up, each from its
// checkpoint, where they catch up with the upstream; its restart brings
// back none of them.
func TestGracefulShutdownMovesTheNodesTables(t *testing.T) {
	var v shutdownView
	var b strings.Builder
	w := sim.New(sim.DefaultConfig(1))
	w.TraceTo(&b)
	res := w.Run(func() {
		nodes := map[string]*sim.Node{}
		cfg := cluster.DefaultConfig()
		cfg.Trace = w.TraceFunc()
		cfg.NodeUp = func(id wire.ServerID) bool { return nodes[string(id)].Up() && !nodes[string(id)].Stopping() }
		c := cluster.New(w, w.Network(), func(name string, boot func()) { nodes[name] = w.NewNode(name, boot) }, cfg)
		w.Sleep(time.Second)
		for table := int64(1); table <= 6; table++ {
			c.AddDispatcher(c.Nodes()[int(table)%3], c.TableSpan(table), cluster.TsAt(w.Now()))
		}
		w.Sleep(10 * time.Second)
		n2 := c.Node("n2")
		old := c.NodeDispatchers(n2)
		coll, svc := n2.Collector, n2.Service
		w.StopGracefully(nodes["n2"], func() {
			v.closedBeforeDown = coll.Closed() && svc.Closed()
			w.Schedule(5*time.Second, func() { w.Restart(nodes["n2"]) })
		})
		w.Sleep(time.Second)
		for _, d := range old {
			v.removedOnN2 += btoi(d.Removed)
		}
		var to []string
		for _, n := range c.Nodes() {
			for _, d := range c.NodeDispatchers(n) {
				for _, o := range old {
					if d.Span() == o.Span() {
						to = append(to, string(n.ID))
					}
				}
			}
		}
		v.movedTo = strings.Join(to, ",")
		w.Sleep(30 * time.Second)
		v.onN2AfterRestart = len(c.NodeDispatchers(n2))
		for _, n := range c.Nodes() {
			for _, d := range c.NodeDispatchers(n) {
				if resolved := c.Upstream.ResolvedTs(d.Span()); d.CheckpointTs()+5*cluster.TsPerSecond < resolved {
					v.lagging = append(v.lagging, fmt.Sprintf("%s on %s: checkpoint %d, resolved %d", d.ID(), n.ID, d.CheckpointTs(), resolved))
				}
			}
		}
	})
	require.Nil(t, res.Failure)
	v.trace = b.String()
	require.True(t, v.closedBeforeDown, "n2 went down before its collector and event service closed")
	require.Equal(t, 2, v.removedOnN2, "tables 2 and 5 lived on n2")
	require.NotEmpty(t, v.movedTo)
	require.NotContains(t, v.movedTo, "n2")
	require.Equal(t, 2, len(strings.Split(v.movedTo, ",")))
	require.Zero(t, v.onN2AfterRestart, "the restart brought back tables the maintainer had moved")
	require.Empty(t, v.lagging)
	for _, line := range []string{"node n2: server closing", "event service closed", "event collector closed", "node n2: server closed, 2 dispatchers to move", "stopped  node=n2 closed", "maintainer: node n2 left"} {
		require.Contains(t, v.trace, line)
	}
	require.Less(t, strings.Index(v.trace, "server closing"), strings.Index(v.trace, "stopped  node=n2"))
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
