package coordinator_test

// TiCDC's own unit tests of the log coordinator at b813e76f9
// (logservice/coordinator/coordinator_test.go), re-expressed against the
// model: one test per TiCDC test case, named TestTiCDC<its name>, its doc
// comment citing the case. Package conformance keeps the table of them.

import (
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/coordinator"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// TiCDC: logservice/coordinator/coordinator_test.go TestGetCandidateNodes.
//
// Three nodes report subscriptions of two tables; each node counts with
// its best usable subscription (checkpoint at or below the start ts,
// initial scan done), the requester is left out, the answer is ordered
// by resolved ts, largest first; a new report replaces the node's old
// one; a node that is no longer a member is not offered.
func TestTiCDCGetCandidateNodes(t *testing.T) {
	t100 := wire.Span{TableID: 100, StartKey: 0, EndKey: 1000}
	t101 := wire.Span{TableID: 101, StartKey: 0, EndKey: 1000}
	n1, n2, n3 := wire.ServerID("node-1"), wire.ServerID("node-2"), wire.ServerID("node-3")
	members := map[wire.ServerID]bool{n1: true, n2: true, n3: true}
	alive := func(n wire.ServerID) bool { return members[n] }
	states := []wire.EventStoreState{
		state(n1, sub(t100, 100, 200)),
		state(n2, sub(t100, 90, 180), sub(t100, 100, 220), sub(t100, 80, 160), sub(t101, 90, 190), sub(t101, 90, 240)),
		state(n3, sub(t101, 100, 290), sub(t101, 100, 230)),
	}
	ask := func(from wire.ServerID, span wire.Span) []wire.ServerID {
		return coordinator.Candidates(states, alive, wire.ReusableEventServiceRequest{From: from, Span: span, StartTs: 100})
	}
	require.Equal(t, []wire.ServerID{n2}, ask(n1, t100))
	require.Equal(t, []wire.ServerID{n2, n1}, ask(n3, t100))
	require.Equal(t, []wire.ServerID{n3, n2}, ask(n1, t101))
	require.Equal(t, []wire.ServerID{n2}, ask(n3, t101))

	states[0] = state(n1, sub(t100, 100, 300))
	require.Equal(t, []wire.ServerID{n1, n2}, ask(n3, t100))

	states[1] = state(n2, sub(t100, 100, 230), sub(t100, 100, 310))
	require.Equal(t, []wire.ServerID{n2, n1}, ask(n3, t100))

	delete(members, n1)
	require.Equal(t, []wire.ServerID{n2}, ask(n3, t100))
}

// TiCDC: logservice/coordinator/coordinator_test.go
// TestGetCandidateNodesIgnoreDifferentKeyspace.
func TestTiCDCGetCandidateNodesIgnoreDifferentKeyspace(t *testing.T) {
	t.Skip("not modelled: the model has one keyspace; wire.Span carries no KeyspaceID")
}

// TiCDC: logservice/coordinator/coordinator_test.go
// TestGetCandidateNodesIgnoreResolvedEqCheckpoint.
//
// A subscription whose resolved ts equals its checkpoint has not finished
// its initial scan and is not offered.
func TestTiCDCGetCandidateNodesIgnoreResolvedEqCheckpoint(t *testing.T) {
	span := wire.Span{TableID: 200, StartKey: 0, EndKey: 1000}
	const startTs = 600
	states := []wire.EventStoreState{state("node-2", sub(span, startTs-1, startTs-1))}
	got := coordinator.Candidates(states, func(wire.ServerID) bool { return true },
		wire.ReusableEventServiceRequest{From: "node-1", Span: span, StartTs: startTs})
	require.Empty(t, got, "resolved ts equal to the checkpoint: not reusable")
}

// TiCDC: logservice/coordinator/coordinator_test.go TestUpdateChangefeedStates.
func TestTiCDCUpdateChangefeedStates(t *testing.T) {
	t.Skip("not modelled: per-changefeed log-service resolved ts (ChangefeedStates) is not part of the session lifecycle")
}

// TiCDC: logservice/coordinator/coordinator_test.go
// TestUpdateChangefeedStatesRefreshesMetricsImmediately.
func TestTiCDCUpdateChangefeedStatesRefreshesMetricsImmediately(t *testing.T) {
	t.Skip("not modelled: per-changefeed resolved-ts states and their Prometheus metrics")
}

// TiCDC: logservice/coordinator/coordinator_test.go
// TestUpdateChangefeedStatesWaitsForCompleteReportingRound.
func TestTiCDCUpdateChangefeedStatesWaitsForCompleteReportingRound(t *testing.T) {
	t.Skip("not modelled: per-changefeed resolved-ts states and their reporting rounds")
}

// TiCDC: logservice/coordinator/coordinator_test.go
// TestPartialReportingRoundKeepsLastPublishedMetrics.
func TestTiCDCPartialReportingRoundKeepsLastPublishedMetrics(t *testing.T) {
	t.Skip("not modelled: per-changefeed resolved-ts states and their Prometheus metrics")
}

// TiCDC: logservice/coordinator/coordinator_test.go
// TestUpdateMetricsForAffectedChangefeeds.
func TestTiCDCUpdateMetricsForAffectedChangefeeds(t *testing.T) {
	t.Skip("not modelled: per-changefeed resolved-ts states and their Prometheus metrics")
}

// TiCDC: logservice/coordinator/coordinator_test.go TestHandleNodeChange.
//
// node-1 and node-2 are members; the cluster is now node-2 and node-3:
// node-1 has left, node-3 joined.
func TestTiCDCHandleNodeChange(t *testing.T) {
	var before, after []wire.ServerID
	res := sim.Run(sim.DefaultConfig(1), func(w *sim.World) {
		k := coordinator.New(coordinator.Config{Runtime: w, Node: "k1", Endpoint: w.Network().Attach("k1", wire.StreamCommand, wire.StreamEvent)})
		k.HandleNodeChange([]wire.ServerID{"node-1", "node-2"})
		before = k.Members()
		k.HandleNodeChange([]wire.ServerID{"node-2", "node-3"})
		after = k.Members()
	})
	require.Nil(t, res.Failure, "%v", res.Failure)
	require.Equal(t, []wire.ServerID{"node-1", "node-2"}, before)
	require.Equal(t, []wire.ServerID{"node-2", "node-3"}, after)
}

// TiCDC: logservice/coordinator/coordinator_test.go
// TestHandleNodeChange_CleanState.
//
// Both members have reported their event-store state; once node-1 has
// left, its state is forgotten and node-2's kept. (TiCDC also cleans the
// per-changefeed states, which the model does not have.)
func TestTiCDCHandleNodeChange_CleanState(t *testing.T) {
	cfg := sim.DefaultConfig(1)
	cfg.Net.Latency = network.Fixed(time.Millisecond)
	cfg.BuggifyP = 0
	var before, after []wire.EventStoreState
	var members []wire.ServerID
	res := sim.Run(cfg, func(w *sim.World) {
		net := w.Network()
		k := coordinator.New(coordinator.Config{Runtime: w, Node: "k1", Endpoint: net.Attach("k1", wire.StreamCommand, wire.StreamEvent)})
		k.Run()
		k.HandleNodeChange([]wire.ServerID{"node-1", "node-2"})
		for _, n := range []wire.ServerID{"node-1", "node-2"} {
			must(net.Attach(n, wire.StreamCommand, wire.StreamEvent).Send("k1", wire.StreamCommand, &wire.EventStoreState{From: n}))
		}
		w.Sleep(10 * time.Millisecond)
		before = k.States()
		k.HandleNodeChange([]wire.ServerID{"node-2"})
		after, members = k.States(), k.Members()
	})
	require.Nil(t, res.Failure, "%v", res.Failure)
	require.Len(t, before, 2)
	require.Equal(t, []wire.ServerID{"node-2"}, members)
	require.Len(t, after, 1, "node-1's state is forgotten")
	require.Equal(t, wire.ServerID("node-2"), after[0].From)
}
