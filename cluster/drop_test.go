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

// A table dropped while its dispatcher lives: the upstream writes the
// DROP as a DDL and commits nothing to the table afterwards; the
// dispatcher's sink writes the DDL, then the maintainer removes the
// dispatcher; the table trigger writes it too and lives on; the other
// tables go on. (TiCDC: schema store deleteVersion, the DDL handed to
// the table's dispatchers, the maintainer removing a dropped table's
// dispatchers.)
func TestDroppedTablesDispatcherIsRemovedAfterItsDDL(t *testing.T) {
	var b strings.Builder
	w := sim.New(sim.DefaultConfig(1))
	w.TraceTo(&b)
	var (
		dropTs                   uint64
		dropped, trigger, other  *cluster.Dispatcher
		afterDrop, triggerHasDDL bool
		droppedFlushedDrop       bool
	)
	res := w.Run(func() {
		cfg := cluster.DefaultConfig()
		cfg.Trace = w.TraceFunc()
		c := cluster.New(w, w.Network(), func(name string, boot func()) { w.NewNode(name, boot) }, cfg)
		w.Sleep(time.Second)
		trigger = c.AddDispatcher(c.Nodes()[0], c.TableSpan(0), cluster.TsAt(w.Now()))
		dropped = c.AddDispatcher(c.Nodes()[1], c.TableSpan(3), cluster.TsAt(w.Now()))
		other = c.AddDispatcher(c.Nodes()[2], c.TableSpan(4), cluster.TsAt(w.Now()))
		w.Sleep(5 * time.Second)
		ts, ok := c.Upstream.DropTable(3)
		require.True(t, ok)
		_, again := c.Upstream.DropTable(3)
		require.False(t, again, "a table is dropped once")
		dropTs = uint64(ts)
		w.Sleep(20 * time.Second)
		for _, ch := range c.Upstream.Changes(c.TableSpan(3), 0, c.Upstream.ResolvedTs(c.TableSpan(3))) {
			afterDrop = afterDrop || uint64(ch.CommitTs) > dropTs
		}
		for _, f := range dropped.FlushedCopy() {
			droppedFlushedDrop = droppedFlushedDrop || f.Kind == "DDL" && uint64(f.CommitTs) == dropTs
		}
		for _, f := range trigger.FlushedCopy() {
			triggerHasDDL = triggerHasDDL || f.Kind == "DDL" && uint64(f.CommitTs) == dropTs
		}
	})
	require.Nil(t, res.Failure)
	require.False(t, afterDrop, "the dropped table committed after its DROP")
	require.True(t, droppedFlushedDrop, "the dispatcher never wrote its table's DROP")
	require.True(t, dropped.Removed, "the dropped table's dispatcher lives on")
	require.True(t, triggerHasDDL, "the table trigger missed the DROP")
	require.False(t, trigger.Removed)
	require.False(t, other.Removed)
	require.Greater(t, other.CheckpointTs(), wire.Ts(dropTs), "the other table stopped")
	require.Contains(t, b.String(), "dispatcher "+dropped.ID().String()+" removed")
}
