package cluster_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// mergeRun splits table 1 on n1 into two dispatchers, lets them
// replicate, merges them back (the two-phase add of PROTOCOL.md 1.9,
// flow (e) of 3.2), and lets the merged dispatcher replicate.
func mergeRun(w *sim.World) (c *cluster.Cluster, merged *cluster.Dispatcher, epochAtMergeReady uint64) {
	cfg := cluster.DefaultConfig()
	cfg.Variants = w.Config().Variants
	cfg.Trace = w.TraceFunc()
	c = cluster.New(w, w.Network(), func(name string, boot func()) { w.NewNode(name, boot) }, cfg)
	w.Sleep(time.Second)
	n1 := c.Nodes()[0]
	whole := c.AddDispatcher(n1, c.TableSpan(1), cluster.TsAt(w.Now()))
	w.Sleep(10 * time.Second)
	left, right := c.Split(whole)
	w.Sleep(20 * time.Second)
	merged = c.Merge(n1, []*cluster.Dispatcher{left, right})
	if merged != nil {
		st, _ := n1.Collector.Stat(merged.ID())
		epochAtMergeReady = st.Snapshot().Epoch
	}
	w.Sleep(30 * time.Second)
	return c, merged, epochAtMergeReady
}

// Flow (e): the merged dispatcher's local Ready consumes the callback and
// sends no RESET; the commit resets it to epoch 1 from the merged start
// ts (the smaller source checkpoint); it then replicates every change of
// the table after that start ts, and the sources are gone.
func TestMergeIsATwoPhaseAdd(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		var c *cluster.Cluster
		var merged *cluster.Dispatcher
		res := sim.Run(sim.DefaultConfig(seed), func(w *sim.World) { c, merged, _ = mergeRun(w) })
		require.Nil(t, res.Failure, "seed %d: %v", seed, res.Failure)
		require.NotNil(t, merged)
		n1 := c.Nodes()[0]
		st, ok := n1.Collector.Stat(merged.ID())
		require.True(t, ok)
		snap := st.Snapshot()
		require.EqualValues(t, 1, snap.Epoch, "seed %d: the commit is the merged dispatcher's only RESET", seed)
		require.Equal(t, n1.ID, snap.CurrentEventServiceID)
		require.Equal(t, []wire.DispatcherID{merged.ID()}, n1.Collector.DispatcherIDs(), "seed %d: sources still present", seed)
		require.Greater(t, merged.CheckpointTs(), merged.StartTs())
		assertNoLoss(t, c, merged)
	}
}

// With f4-probe-during-merge the merged dispatcher also asks the log
// coordinator for remote candidates (PROTOCOL.md 6.1 F4); on HEAD it never
// does. Whether that reaches the panic depends on a remote Ready beating
// the local one, which the randomized workloads hunt for; here we check
// the variant opens the path.
func TestMergeProbesOnlyWithBugF4(t *testing.T) {
	count := func(bug string) int {
		cfg := sim.DefaultConfig(1)
		if bug != "" {
			require.NoError(t, cfg.Set("bug", bug))
		}
		var b strings.Builder
		w := sim.New(cfg)
		w.TraceTo(&b)
		res := w.Run(func() { mergeRun(w) })
		require.Nil(t, res.Failure, "%v", res.Failure)
		return strings.Count(b.String(), "request remote candidates for d4")
	}
	require.Zero(t, count(""), "HEAD: a merged dispatcher never asks the coordinator")
	require.Equal(t, 1, count(cluster.BugProbeDuringMerge))
}

// TiCDC's dispatcher manager refuses to merge spans that are not
// adjacent (dispatchermanager/dispatcher_manager_helper.go,
// createMergedSpan; its test TestMergeDispatcherNonAdjacent): with the
// table split in three, merging the first and the third creates nothing
// and leaves the three dispatchers in place; merging all three, in span
// order, is accepted.
func TestMergeOfNonAdjacentSpansIsRejected(t *testing.T) {
	var rejected, accepted *cluster.Dispatcher
	var live []wire.DispatcherID
	var before []wire.DispatcherID
	res := sim.Run(sim.DefaultConfig(1), func(w *sim.World) {
		cfg := cluster.DefaultConfig()
		cfg.Trace = w.TraceFunc()
		c := cluster.New(w, w.Network(), func(name string, boot func()) { w.NewNode(name, boot) }, cfg)
		w.Sleep(time.Second)
		n1 := c.Nodes()[0]
		whole := c.AddDispatcher(n1, c.TableSpan(1), cluster.TsAt(w.Now()))
		w.Sleep(5 * time.Second)
		left, right := c.Split(whole)
		w.Sleep(5 * time.Second)
		ll, lr := c.Split(left)
		w.Sleep(5 * time.Second)
		before = n1.Collector.DispatcherIDs()
		rejected = c.Merge(n1, []*cluster.Dispatcher{ll, right})
		live = n1.Collector.DispatcherIDs()
		accepted = c.Merge(n1, []*cluster.Dispatcher{ll, lr, right})
	})
	require.Nil(t, res.Failure, "%v", res.Failure)
	require.Nil(t, rejected, "a merge of spans that are not adjacent is rejected")
	require.Equal(t, before, live, "a rejected merge adds and removes nothing")
	require.Len(t, live, 3)
	require.NotNil(t, accepted, "adjacent spans in order merge")
}

// TiCDC's doMerge (dispatchermanager/task.go) starts the merged
// dispatcher from the smallest checkpoint of the sources once they are
// closed, at commit time, not from the one computed at prepare time: the
// sources keep flushing while the merged dispatcher waits for its Ready,
// and what they flushed then must not be replicated again. The merged
// start ts is the sources' smallest final checkpoint, and above the
// prepare-time one (the upstream's resolved ts moves during the poll).
func TestMergedStartTsIsTheSourcesCheckpointAtCommit(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		var prepareTs, finalTs, startTs wire.Ts
		res := sim.Run(sim.DefaultConfig(seed), func(w *sim.World) {
			cfg := cluster.DefaultConfig()
			c := cluster.New(w, w.Network(), func(name string, boot func()) { w.NewNode(name, boot) }, cfg)
			w.Sleep(time.Second)
			n1 := c.Nodes()[0]
			whole := c.AddDispatcher(n1, c.TableSpan(1), cluster.TsAt(w.Now()))
			w.Sleep(10 * time.Second)
			left, right := c.Split(whole)
			w.Sleep(20 * time.Second)
			prepareTs = min(left.CheckpointTs(), right.CheckpointTs())
			merged := c.Merge(n1, []*cluster.Dispatcher{left, right})
			require.NotNil(t, merged)
			finalTs = min(left.CheckpointTs(), right.CheckpointTs())
			startTs = merged.StartTs()
		})
		require.Nil(t, res.Failure, "seed %d: %v", seed, res.Failure)
		require.Equal(t, finalTs, startTs, "seed %d: the merged start ts is the sources' checkpoint at commit", seed)
		require.Greater(t, startTs, prepareTs, "seed %d: the sources progressed between prepare and commit", seed)
	}
}
