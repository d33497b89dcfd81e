package coordinator

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/cdcsim/cdcsim/wire"
)

// MaxCandidateLag is how far a node's best resolved ts may trail a
// request's StartTs before the node is no longer a candidate: one hour.
// In the model a Ts counts milliseconds of physical time (TiDB's TSO
// keeps physical milliseconds in its high bits, which the coordinator
// extracts; the model's Ts is those milliseconds alone), so one hour is
// 3,600,000.
const MaxCandidateLag wire.Ts = 3_600_000

// Candidates is TiCDC's getCandidateNodes (PROTOCOL.md 1.8) as a pure
// function: the nodes, other than the requester, whose event store has an
// initialised subscription (checkpointTs < resolvedTs) that covers the
// requested span from a checkpoint at or below StartTs; a node whose best
// such resolved ts is more than MaxCandidateLag behind StartTs is
// dropped; the rest are ordered by that resolved ts, largest first (ties
// by node ID, where TiCDC's order is unspecified), and nodes that are not
// alive are dropped. An empty answer is valid. states must hold at most
// one state per node.
func Candidates(states []wire.EventStoreState, alive func(wire.ServerID) bool, req wire.ReusableEventServiceRequest) []wire.ServerID {
	type candidate struct {
		node       wire.ServerID
		resolvedTs wire.Ts
	}
	var cands []candidate
	seen := make(map[wire.ServerID]bool, len(states))
	for _, st := range states {
		if seen[st.From] {
			panic(fmt.Sprintf("coordinator: two event-store states for node %s", st.From))
		}
		seen[st.From] = true
		if st.From == req.From {
			continue
		}
		best, ok := bestResolvedTs(st.Subscriptions, req)
		if !ok || (req.StartTs > best && req.StartTs-best > MaxCandidateLag) {
			continue
		}
		cands = append(cands, candidate{node: st.From, resolvedTs: best})
	}
	slices.SortFunc(cands, func(a, b candidate) int {
		if c := cmp.Compare(b.resolvedTs, a.resolvedTs); c != 0 {
			return c
		}
		return cmp.Compare(a.node, b.node)
	})
	var out []wire.ServerID
	for _, c := range cands {
		if alive(c.node) {
			out = append(out, c.node)
		}
	}
	return out
}

// bestResolvedTs returns the largest resolved ts among the subscriptions
// that could serve req, and whether there is one.
func bestResolvedTs(subs []wire.Subscription, req wire.ReusableEventServiceRequest) (wire.Ts, bool) {
	var best wire.Ts
	found := false
	for _, s := range subs {
		if s.Span.Covers(req.Span) && s.CheckpointTs <= req.StartTs && s.CheckpointTs < s.ResolvedTs &&
			(!found || s.ResolvedTs > best) {
			best, found = s.ResolvedTs, true
		}
	}
	return best, found
}
