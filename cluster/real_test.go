package cluster_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/network"
)

// The model on real goroutines, the wall clock and the in-process
// network: the baseline the simulator is measured against. Three nodes,
// eight tables, every interval scaled down 50 times so that three seconds
// see heartbeats, congestion control, Ready back-off and state uploads.
// After the run the runtime is stopped, every goroutine ends, and each
// dispatcher's sink must have followed the upstream without losing or
// repeating a change. Run it with -race: the model must have no data race
// of its own.
func TestRealModeReplication(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for seconds of wall time")
	}
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const (
		scale  = 0.02
		tables = 8
		run    = 3 * time.Second
	)
	rt := clock.NewReal()
	net := network.NewReal(rt, network.Uniform(0, 2*time.Millisecond))
	cfg := cluster.DefaultConfig()
	cfg.Scale = scale
	cfg.Upstream = cluster.DefaultUpstreamConfig(tables)

	var c *cluster.Cluster
	finished := make(chan struct{})
	go func() { // the workload; a watchdog below fails a hung run instead of waiting for go test's timeout
		defer close(finished)
		c = cluster.New(rt, net, func(name string, boot func()) { rt.Go(name, boot) }, cfg)
		for !c.AllUp() {
			time.Sleep(time.Millisecond)
		}
		for table := int64(1); table <= tables; table++ {
			n := c.Nodes()[int(table)%len(c.Nodes())]
			c.AddDispatcher(n, c.TableSpan(table), cluster.TsAt(rt.Now()))
		}
		time.Sleep(run)
		rt.Stop()
		net.Close()
		rt.Wait()
	}()
	select {
	case <-finished:
	case <-time.After(run + 20*time.Second):
		t.Fatal("the real-mode run did not stop (a task that never reaches Park or Sleep?)")
	}

	// Every task has ended: the state can be read without guards.
	resolved := c.Upstream.ResolvedTs(c.TableSpan(1))
	require.Len(t, c.Dispatchers, tables)
	var heartbeats, requests uint64
	for _, n := range c.Nodes() {
		st := n.Collector.Stats()
		heartbeats += st.HeartbeatsSent
		requests += st.RequestsSent
	}
	require.Positive(t, heartbeats, "no heartbeat in %s: is the timing scaled?", run)
	for _, d := range c.Dispatchers {
		cp := d.CheckpointTs()
		require.Greater(t, cp, d.StartTs(), "%s: checkpoint never advanced", d.ID())
		require.GreaterOrEqual(t, cp+cluster.TsPerSecond, resolved, "%s: checkpoint %d lags the upstream's resolved ts %d by more than a second", d.ID(), cp, resolved)
		require.NotEmpty(t, d.Flushed, "%s flushed nothing", d.ID())
		for i := 1; i < len(d.Flushed); i++ {
			require.Greater(t, d.Flushed[i].CommitTs, d.Flushed[i-1].CommitTs, "%s flushed out of order or twice at %d", d.ID(), i)
		}
		assertNoLoss(t, c, d)
		t.Logf("%s on %s: start %d, checkpoint %d, %d flushed, %d stale dropped", d.ID(), d.Node(), d.StartTs(), cp, len(d.Flushed), d.StaleDropped)
	}
	t.Logf("upstream resolved %d; %d heartbeats, %d requests sent; network %+v", resolved, heartbeats, requests, net.Stats())
}
