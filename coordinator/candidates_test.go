package coordinator_test

import (
	"testing"

	"github.com/cdcsim/cdcsim/coordinator"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

var (
	table1 = wire.Span{TableID: 1, StartKey: 0, EndKey: 100}
	inside = wire.Span{TableID: 1, StartKey: 10, EndKey: 20}
)

func state(node wire.ServerID, subs ...wire.Subscription) wire.EventStoreState {
	return wire.EventStoreState{From: node, Subscriptions: subs}
}

func sub(span wire.Span, cp, resolved wire.Ts) wire.Subscription {
	return wire.Subscription{Span: span, CheckpointTs: cp, ResolvedTs: resolved}
}

// PROTOCOL.md 1.8: the candidate rule, one condition per case.
func TestCandidates(t *testing.T) {
	const hour = coordinator.MaxCandidateLag
	everyone := func(wire.ServerID) bool { return true }
	req := wire.ReusableEventServiceRequest{From: "c1", ID: 7, Span: inside, StartTs: 150}
	cases := []struct {
		name   string
		states []wire.EventStoreState
		alive  func(wire.ServerID) bool
		req    wire.ReusableEventServiceRequest
		want   []wire.ServerID
	}{
		{name: "a covering, initialised subscription from a checkpoint below StartTs is a candidate",
			states: []wire.EventStoreState{state("s2", sub(table1, 100, 200))}, want: []wire.ServerID{"s2"}},
		{name: "the exact span covers itself",
			states: []wire.EventStoreState{state("s2", sub(inside, 100, 200))}, want: []wire.ServerID{"s2"}},
		{name: "a subscription that does not cover the span is not",
			states: []wire.EventStoreState{state("s2", sub(wire.Span{TableID: 1, StartKey: 15, EndKey: 100}, 100, 200),
				sub(wire.Span{TableID: 2, StartKey: 0, EndKey: 100}, 100, 200))}},
		{name: "a subscription that has not finished its initial scan (checkpoint = resolved) is not",
			states: []wire.EventStoreState{state("s2", sub(table1, 100, 100))}},
		{name: "a checkpoint above StartTs (data GCed) is not",
			states: []wire.EventStoreState{state("s2", sub(table1, 151, 300))}},
		{name: "a checkpoint equal to StartTs is",
			states: []wire.EventStoreState{state("s2", sub(table1, 150, 300))}, want: []wire.ServerID{"s2"}},
		{name: "a resolved ts more than one hour behind StartTs is dropped",
			states: []wire.EventStoreState{state("s2", sub(table1, 10, 100))},
			req:    wire.ReusableEventServiceRequest{From: "c1", Span: inside, StartTs: 100 + hour + 1}},
		{name: "exactly one hour behind is kept",
			states: []wire.EventStoreState{state("s2", sub(table1, 10, 100))},
			req:    wire.ReusableEventServiceRequest{From: "c1", Span: inside, StartTs: 100 + hour}, want: []wire.ServerID{"s2"}},
		{name: "a node's best subscription counts: a fresh one rescues a stale one",
			states: []wire.EventStoreState{state("s2", sub(table1, 10, 100), sub(inside, 10, 2*hour))},
			req:    wire.ReusableEventServiceRequest{From: "c1", Span: inside, StartTs: 2 * hour}, want: []wire.ServerID{"s2"}},
		{name: "a node that is not alive is dropped",
			states: []wire.EventStoreState{state("s2", sub(table1, 100, 200)), state("s3", sub(table1, 100, 300))},
			alive:  func(n wire.ServerID) bool { return n != "s3" }, want: []wire.ServerID{"s2"}},
		{name: "the requester is excluded",
			states: []wire.EventStoreState{state("c1", sub(table1, 100, 900)), state("s2", sub(table1, 100, 200))},
			want:   []wire.ServerID{"s2"}},
		{name: "ordered by resolved ts, largest first, ties by node ID",
			states: []wire.EventStoreState{state("s3", sub(table1, 100, 500)), state("s4", sub(table1, 100, 900)),
				state("s2", sub(table1, 100, 500)), state("s5", sub(table1, 100, 200))},
			want: []wire.ServerID{"s4", "s2", "s3", "s5"}},
		{name: "no states, no candidates"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.alive == nil {
				tc.alive = everyone
			}
			if tc.req.From == "" {
				tc.req = req
			}
			require.Equal(t, tc.want, coordinator.Candidates(tc.states, tc.alive, tc.req))
		})
	}
}

// One state per node is the caller's promise; breaking it is a bug.
func TestCandidatesRefusesTwoStatesForOneNode(t *testing.T) {
	require.PanicsWithValue(t, "coordinator: two event-store states for node s2", func() {
		coordinator.Candidates([]wire.EventStoreState{state("s2"), state("s2")},
			func(wire.ServerID) bool { return true }, wire.ReusableEventServiceRequest{From: "c1"})
	})
}
