package cluster

import (
	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/wire"
)

// A node's graceful shutdown, as TiCDC's server.Close (server/server.go)
// does it, and what the rest of the cluster does once the node is gone.
//
// TiCDC closes, after stopping the changefeed coordinator (which the
// model does not have), two groups at once: on a goroutine of its own,
// the pre-services in the reverse order of their start (closePreServices:
// the dispatcher orchestrator, the heartbeat collector, the event
// collector, the message center), and meanwhile the sub-modules in
// reverse order (the event service first, then the maintainer manager,
// event store, schema store and subscription client), then waits for
// both (closeGroup.Wait). The model runs the two groups as two tasks of
// the node, so the seed decides how they interleave:
//
//   - the dispatcher orchestrator's Close: every dispatcher manager
//     closes all its dispatchers (dispatchermanager closeAllDispatchers):
//     each is removed from the event collector, which queues its REMOVEs,
//     and its sink is closed (RemoveDispatcher);
//   - the event collector's Close (collector.Close): its tasks stop, so
//     the REMOVEs still queued are never sent and what the receive
//     channels hold is dropped, full or not;
//   - the event service's Close (eventservice.Service.Close): its tasks
//     stop; its records die with the node.
//
// The heartbeat collector, the message center and the modules after the
// event service have nothing the model keeps. The node then goes down
// (the simulator ends it as a crash does; TiCDC's process exits), after
// at most sim.GracefulStopTimeout. Once it is down, the maintainer moves
// the dispatchers the orchestrator closed to the nodes that are up, each
// from the checkpoint it had reached (afterShutdown), as TiCDC's
// maintainer does for a node that left; a dispatcher the close did not
// reach (the stop timed out first) stays on the node and is re-added
// there at its restart, as after a crash. A remote event service's
// record of a moved dispatcher goes through the normal paths: the REMOVE
// if it was sent before the collector closed, else the inactivity sweep.

// registerShutdown gives the runtime n's graceful close, if it can stop
// nodes gracefully (the simulator can; real mode cannot).
func (c *Cluster) registerShutdown(n *Node) {
	s, ok := c.rt.(clock.GracefulStopper)
	if !ok {
		return
	}
	var moved []movedSpan
	s.OnGracefulStop(func() { moved = c.shutdown(n) }, func() { c.afterShutdown(n, moved) })
}

// movedSpan is a span the maintainer moves off a node that shut down.
type movedSpan struct {
	span       wire.Span
	checkpoint wire.Ts
}

// shutdown is n's server.Close: the two close groups on two tasks, then
// the wait for both. It returns the spans of the dispatchers it closed
// that the maintainer must move.
func (c *Cluster) shutdown(n *Node) []movedSpan {
	c.mu.Lock()
	svc, coll := n.Service, n.Collector
	c.mu.Unlock()
	c.tracef("node %s: server closing", n.ID)
	c.cover("cluster/shutdown")
	var moved []movedSpan
	closeGroup := clock.NewWaitGroup(c.rt, string(n.ID)+"/closeGroup")
	closeGroup.Go("closePreServices", func() {
		moved = c.closeDispatchers(n)
		// The heartbeat collector's Close waits for its goroutines
		// (dispatchermanager heartbeat_collector.go): a scheduling point,
		// at which the collector's send task may get the REMOVEs out.
		c.rt.Yield()
		coll.Close()
		c.tracef("node %s: event collector closed", n.ID)
	})
	closeGroup.Go("closeSubModules", func() {
		svc.Close()
		c.tracef("node %s: event service closed", n.ID)
	})
	closeGroup.Wait()
	c.tracef("node %s: server closed, %d dispatchers to move", n.ID, len(moved))
	return moved
}

// closeDispatchers is the dispatcher orchestrator's Close: every
// dispatcher of n removed from the collector and its sink closed. A
// merged dispatcher that has not committed is closed but not moved: the
// maintainer aborts its merge and moves the sources (see boot).
func (c *Cluster) closeDispatchers(n *Node) []movedSpan {
	var moved []movedSpan
	for _, d := range c.NodeDispatchers(n) {
		st := d.ComponentStatus()
		cp := d.CheckpointTs()
		if !c.RemoveDispatcher(d) {
			continue // a removal had begun: its remover owns it
		}
		// The orchestrator waits for each manager's asynchronous close
		// (TryClose, go e.close()): others run meanwhile.
		c.rt.Yield()
		if st != Preparing && st != MergeReady {
			moved = append(moved, movedSpan{d.span, cp})
		}
	}
	return moved
}

// afterShutdown is the maintainer's answer to n leaving: each moved span
// is added on an up node other than n, spread by table; with none up, on
// n itself, whose restart re-adds it (boot).
func (c *Cluster) afterShutdown(n *Node, moved []movedSpan) {
	var up []*Node
	for _, m := range c.nodes {
		if m != n && c.nodeUp(m) {
			up = append(up, m)
		}
	}
	for _, m := range moved {
		if c.Upstream.dropWritten(m.span, m.checkpoint) {
			continue // its table's DROP is written: nothing to schedule
		}
		to := n
		if len(up) > 0 {
			to = up[int(uint64(m.span.TableID)%uint64(len(up)))]
		}
		c.tracef("maintainer: node %s left, table %d span [%d,%d) moves to %s from %d",
			n.ID, m.span.TableID, m.span.StartKey, m.span.EndKey, to.ID, m.checkpoint)
		c.cover("cluster/shutdown/move")
		c.AddDispatcher(to, m.span, m.checkpoint)
	}
}

// nodeUp reports whether n runs now: Config.NodeUp, or every node in
// real mode (which has no crashes).
func (c *Cluster) nodeUp(n *Node) bool {
	if c.cfg.NodeUp == nil {
		return true
	}
	return c.cfg.NodeUp(n.ID)
}
