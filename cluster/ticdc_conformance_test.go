package cluster_test

// TiCDC's merge tests of the dispatcher manager at b813e76f9
// (downstreamadapter/dispatchermanager/dispatcher_manager_test.go, the
// cases whose name says Merge), re-expressed against the model's
// dispatcher manager, Cluster.Merge: one test per TiCDC case, named
// TestTiCDC<its name>; package conformance keeps the table. The model
// allocates the merged dispatcher's ID itself and has no component
// statuses, merge operators or maintainer, so the cases about those are
// skips saying so.

import (
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// splitTable runs body on a cluster whose table 1 lives on n1 as `parts`
// adjacent dispatchers (2 or 3), in span order, each replicating.
func splitTable(t *testing.T, parts int, body func(w *sim.World, c *cluster.Cluster, n1 *cluster.Node, ds []*cluster.Dispatcher)) {
	t.Helper()
	splitTableWith(t, 1, cluster.DefaultConfig(), parts, body)
}

// splitTableWith is splitTable with a seed and a cluster configuration.
func splitTableWith(t *testing.T, seed uint64, cfg cluster.Config, parts int, body func(w *sim.World, c *cluster.Cluster, n1 *cluster.Node, ds []*cluster.Dispatcher)) {
	t.Helper()
	res := sim.Run(sim.DefaultConfig(seed), func(w *sim.World) {
		c := cluster.New(w, w.Network(), func(name string, boot func()) { w.NewNode(name, boot) }, cfg)
		w.Sleep(time.Second)
		n1 := c.Nodes()[0]
		whole := c.AddDispatcher(n1, c.TableSpan(1), cluster.TsAt(w.Now()))
		w.Sleep(5 * time.Second)
		left, right := c.Split(whole)
		ds := []*cluster.Dispatcher{left, right}
		if parts == 3 {
			w.Sleep(5 * time.Second)
			ll, lr := c.Split(left)
			ds = []*cluster.Dispatcher{ll, lr, right}
		}
		w.Sleep(5 * time.Second)
		body(w, c, n1, ds)
	})
	require.Nil(t, res.Failure, "%v", res.Failure)
}

// living reports whether d still lives on n.
func living(c *cluster.Cluster, n *cluster.Node, d *cluster.Dispatcher) bool {
	for _, x := range c.NodeDispatchers(n) {
		if x == d {
			return true
		}
	}
	return false
}

// TiCDC: downstreamadapter/dispatchermanager/dispatcher_manager_test.go
// TestMergeDispatcherNormal.
//
// Two adjacent dispatchers merge into one over the union of their spans.
func TestTiCDCMergeDispatcherNormal(t *testing.T) {
	var merged *cluster.Dispatcher
	var want wire.Span
	splitTable(t, 2, func(w *sim.World, c *cluster.Cluster, n1 *cluster.Node, ds []*cluster.Dispatcher) {
		want = wire.Span{TableID: 1, StartKey: ds[0].Span().StartKey, EndKey: ds[1].Span().EndKey}
		merged = c.Merge(n1, ds)
	})
	require.NotNil(t, merged)
	require.Equal(t, want, merged.Span())
}

// TiCDC: downstreamadapter/dispatchermanager/dispatcher_manager_test.go
// TestMergeDispatcherInvalidIDs.
//
// A merge of one dispatcher is rejected: nothing is created.
func TestTiCDCMergeDispatcherInvalidIDs(t *testing.T) {
	var merged *cluster.Dispatcher
	var before, after int
	splitTable(t, 2, func(w *sim.World, c *cluster.Cluster, n1 *cluster.Node, ds []*cluster.Dispatcher) {
		before = len(c.AllDispatchers())
		merged = c.Merge(n1, ds[:1])
		after = len(c.AllDispatchers())
	})
	require.Nil(t, merged)
	require.Equal(t, before, after, "no dispatcher created")
}

// TiCDC: downstreamadapter/dispatchermanager/dispatcher_manager_test.go
// TestMergeDispatcherExistingID.
func TestTiCDCMergeDispatcherExistingID(t *testing.T) {
	t.Skip("not modelled: the model allocates the merged dispatcher's ID itself; no request can name an existing one")
}

// TiCDC: downstreamadapter/dispatchermanager/dispatcher_manager_test.go
// TestMergeDispatcherNonExistent.
//
// A merge naming a dispatcher that no longer lives on the node is
// rejected.
func TestTiCDCMergeDispatcherNonExistent(t *testing.T) {
	var merged *cluster.Dispatcher
	splitTable(t, 2, func(w *sim.World, c *cluster.Cluster, n1 *cluster.Node, ds []*cluster.Dispatcher) {
		c.RemoveDispatcher(ds[0])
		merged = c.Merge(n1, ds)
	})
	require.Nil(t, merged)
}

// TiCDC: downstreamadapter/dispatchermanager/dispatcher_manager_test.go
// TestMergeDispatcherNotWorking.
//
// A merge naming a source that is not Working (here Stopped) is
// rejected: nothing is created, the sources stay as they were.
func TestTiCDCMergeDispatcherNotWorking(t *testing.T) {
	var merged *cluster.Dispatcher
	var before, after int
	var second cluster.ComponentState
	splitTable(t, 2, func(w *sim.World, c *cluster.Cluster, n1 *cluster.Node, ds []*cluster.Dispatcher) {
		ds[0].SetComponentStatus(cluster.Stopped)
		before = len(c.AllDispatchers())
		merged = c.Merge(n1, ds)
		after = len(c.AllDispatchers())
		second = ds[1].ComponentStatus()
	})
	require.Nil(t, merged)
	require.Equal(t, before, after, "no dispatcher created")
	require.Equal(t, cluster.Working, second, "the other source is untouched")
}

// TiCDC: downstreamadapter/dispatchermanager/dispatcher_manager_test.go
// TestMergeDispatcherNonAdjacent.
//
// Dispatchers whose spans do not touch are not merged.
func TestTiCDCMergeDispatcherNonAdjacent(t *testing.T) {
	var merged *cluster.Dispatcher
	splitTable(t, 3, func(w *sim.World, c *cluster.Cluster, n1 *cluster.Node, ds []*cluster.Dispatcher) {
		merged = c.Merge(n1, []*cluster.Dispatcher{ds[0], ds[2]})
	})
	require.Nil(t, merged)
}

// TiCDC: downstreamadapter/dispatchermanager/dispatcher_manager_test.go
// TestMergeDispatcherThreeDispatchers.
//
// Three adjacent dispatchers merge into one over the three spans.
func TestTiCDCMergeDispatcherThreeDispatchers(t *testing.T) {
	var merged *cluster.Dispatcher
	var want wire.Span
	splitTable(t, 3, func(w *sim.World, c *cluster.Cluster, n1 *cluster.Node, ds []*cluster.Dispatcher) {
		want = wire.Span{TableID: 1, StartKey: ds[0].Span().StartKey, EndKey: ds[2].Span().EndKey}
		merged = c.Merge(n1, ds)
	})
	require.NotNil(t, merged)
	require.Equal(t, want, merged.Span())
}

// doMergeCase merges parts adjacent dispatchers and checks TiCDC's
// doMerge: the merged dispatcher starts from the sources' smallest
// checkpoint once they are closed, and the sources are gone.
func doMergeCase(t *testing.T, parts int) {
	var merged *cluster.Dispatcher
	var smallest wire.Ts
	var left []bool
	splitTable(t, parts, func(w *sim.World, c *cluster.Cluster, n1 *cluster.Node, ds []*cluster.Dispatcher) {
		merged = c.Merge(n1, ds)
		smallest = ds[0].CheckpointTs()
		for _, d := range ds {
			smallest = min(smallest, d.CheckpointTs())
			left = append(left, living(c, n1, d))
		}
	})
	require.NotNil(t, merged)
	require.Equal(t, smallest, merged.StartTs(), "the sources' smallest checkpoint at commit")
	for i, l := range left {
		require.False(t, l, "source %d removed", i)
	}
}

// TiCDC: downstreamadapter/dispatchermanager/dispatcher_manager_test.go
// TestDoMerge.
func TestTiCDCDoMerge(t *testing.T) {
	doMergeCase(t, 2)
}

// TiCDC: downstreamadapter/dispatchermanager/dispatcher_manager_test.go
// TestDoMergeKeepsMergeJournalUntilSourcesAreCleaned.
func TestTiCDCDoMergeKeepsMergeJournalUntilSourcesAreCleaned(t *testing.T) {
	t.Skip("not modelled: merge operators and their journal, kept for the maintainer")
}

// TiCDC: downstreamadapter/dispatchermanager/dispatcher_manager_test.go
// TestMergeDispatcherRequestRecvDoesNotTrackStaleMaintainerEpoch.
func TestTiCDCMergeDispatcherRequestRecvDoesNotTrackStaleMaintainerEpoch(t *testing.T) {
	t.Skip("not modelled: the maintainer and its epochs; the workloads call Merge directly")
}

// TiCDC: downstreamadapter/dispatchermanager/dispatcher_manager_test.go
// TestTrackMergeOperatorClonesRequest.
func TestTiCDCTrackMergeOperatorClonesRequest(t *testing.T) {
	t.Skip("not modelled: merge operators and their journal, kept for the maintainer")
}

// TiCDC: downstreamadapter/dispatchermanager/dispatcher_manager_test.go
// TestTrackMergeOperatorRejectsZeroMergedDispatcherID.
func TestTiCDCTrackMergeOperatorRejectsZeroMergedDispatcherID(t *testing.T) {
	t.Skip("not modelled: merge operators and their journal, kept for the maintainer")
}

// TiCDC: downstreamadapter/dispatchermanager/dispatcher_manager_test.go
// TestDoMergeWithThreeDispatchers.
func TestTiCDCDoMergeWithThreeDispatchers(t *testing.T) {
	doMergeCase(t, 3)
}

// mergeInTask starts c.Merge(n1, ds) on its own task; the result is
// read once done is true.
func mergeInTask(w *sim.World, c *cluster.Cluster, n1 *cluster.Node, ds []*cluster.Dispatcher) (merged **cluster.Dispatcher, done *bool) {
	merged, done = new(*cluster.Dispatcher), new(bool)
	w.Go("merge", func() {
		*merged = c.Merge(n1, ds)
		*done = true
	})
	w.Sleep(time.Millisecond) // the prepare has run: the merge task polls
	return merged, done
}

// await sleeps until done.
func await(w *sim.World, done *bool) {
	for !*done {
		w.Sleep(10 * time.Millisecond)
	}
}

// newest returns the last dispatcher created: right after a prepare,
// the merged one.
func newest(c *cluster.Cluster) *cluster.Dispatcher {
	all := c.AllDispatchers()
	return all[len(all)-1]
}

// abortCase runs a merge of two sources, does spoil to the first one
// right after the prepare, and checks TiCDC's abort: the merge returns
// nil, the merged dispatcher is removed (its removal begun, and gone
// from the node), and the second source lives on, Working again and
// registered with the collector.
func abortCase(t *testing.T, spoil func(c *cluster.Cluster, d *cluster.Dispatcher)) {
	var merged, prepared *cluster.Dispatcher
	var removing, preparedLives, secondLives, secondRegistered bool
	var second cluster.ComponentState
	splitTable(t, 2, func(w *sim.World, c *cluster.Cluster, n1 *cluster.Node, ds []*cluster.Dispatcher) {
		m, done := mergeInTask(w, c, n1, ds)
		prepared = newest(c)
		spoil(c, ds[0])
		await(w, done)
		merged = *m
		removing, preparedLives = prepared.TryRemoving(), living(c, n1, prepared)
		second, secondLives = ds[1].ComponentStatus(), living(c, n1, ds[1])
		secondRegistered = n1.Collector.HasDispatcher(ds[1].ID())
	})
	require.Nil(t, merged, "the merge aborted")
	require.True(t, removing, "the merged dispatcher is being removed")
	require.False(t, preparedLives, "the merged dispatcher is gone")
	require.True(t, secondLives)
	require.Equal(t, cluster.Working, second, "the surviving source is Working again")
	require.True(t, secondRegistered)
}

// TiCDC: downstreamadapter/dispatchermanager/dispatcher_manager_test.go
// TestDoMergeAbortWhenSourceDispatcherMissing.
//
// A source removed from the node after the prepare aborts the merge.
func TestTiCDCDoMergeAbortWhenSourceDispatcherMissing(t *testing.T) {
	abortCase(t, func(c *cluster.Cluster, d *cluster.Dispatcher) { require.True(t, c.RemoveDispatcher(d)) })
}

// TiCDC: downstreamadapter/dispatchermanager/dispatcher_manager_test.go
// TestDoMergeAbortWhenSourceDispatcherRemoving.
//
// A source whose removal has begun (still on the node) aborts the merge.
func TestTiCDCDoMergeAbortWhenSourceDispatcherRemoving(t *testing.T) {
	abortCase(t, func(c *cluster.Cluster, d *cluster.Dispatcher) { d.SetTryRemoving() })
}

// TiCDC: downstreamadapter/dispatchermanager/dispatcher_manager_test.go
// TestAbortMergeRestoresSourceDispatchersRegistration.
//
// An abort during doMerge, after the sources left the collector, gives
// the surviving source its registration back. The sinks are slow (0.5 to
// 1 s a flush), so a source still has events pending when doMerge first
// tries to close it and the merge takes another round, in which it sees
// the first source gone. The surviving source then has a new session
// that catches up again.
func TestTiCDCAbortMergeRestoresSourceDispatchersRegistration(t *testing.T) {
	cfg := cluster.DefaultConfig()
	cfg.SinkFlush = network.Uniform(500*time.Millisecond, time.Second)
	for seed := uint64(1); seed <= 3; seed++ {
		var merged *cluster.Dispatcher
		var detached, registered bool
		var second cluster.ComponentState
		var before, after wire.Ts
		splitTableWith(t, seed, cfg, 2, func(w *sim.World, c *cluster.Cluster, n1 *cluster.Node, ds []*cluster.Dispatcher) {
			m, done := mergeInTask(w, c, n1, ds)
			for !*done && n1.Collector.HasDispatcher(ds[1].ID()) {
				w.Sleep(time.Millisecond) // until doMerge detaches the sources
			}
			detached = !n1.Collector.HasDispatcher(ds[1].ID())
			c.RemoveDispatcher(ds[0])
			await(w, done)
			merged = *m
			second, registered = ds[1].ComponentStatus(), n1.Collector.HasDispatcher(ds[1].ID())
			before = ds[1].CheckpointTs()
			w.Sleep(20 * time.Second)
			after = ds[1].CheckpointTs()
		})
		require.True(t, detached, "seed %d: doMerge removed the sources from the collector", seed)
		require.Nil(t, merged, "seed %d: the merge aborted", seed)
		require.Equal(t, cluster.Working, second, "seed %d", seed)
		require.True(t, registered, "seed %d: the surviving source is registered again", seed)
		require.Greater(t, after, before, "seed %d: the restored source replicates", seed)
	}
}
