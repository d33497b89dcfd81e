package workloads

import (
	"fmt"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/eventservice"
	"github.com/cdcsim/cdcsim/wire"
)

// The event store's bookkeeping (I21, I22): values no workload reads at
// their edge, since garbage collection of subscriptions and the scan
// ranges that depend on them are never pushed that far, so `dst mutate`
// found mutants of them that every end-state check let through
// (FINDINGS.md, "Mutation score"). Both compare each service's state with
// what the previous look saw (eventservice.Service.AppendSubscriptionDetails
// and AppendLiveRecords, which only read).

// storeEvery spaces the looks in virtual time: a subscription's
// checkpoint moves at the services' sweep (every second at Scale 1), so
// a look every 20 ms sees each move apart from the next; I22 compares
// records within one registration, which no spacing confuses. Looking
// at every service's records and subscriptions is the costly part of
// the checkers, so most steps must not.
const storeEvery = 20 * time.Millisecond

// storeState is I21's and I22's run-wide state.
type storeState struct {
	last    clock.Time
	checked bool
	// services is what the previous look saw of each node's service, by
	// the node's index in the cluster.
	services []storeLook
	i21, i22 error
	// sharingOff: the run's event stores do not share subscriptions
	// (cluster.Config.DataSharing false), for I25.
	sharingOff bool
	i25        error
}

// storeLook is what the previous look saw of one service incarnation:
// its subscriptions in creation order and its live records (neither
// removed nor orphaned) in dispatcher order, the orders in which the
// service returns them, so the next look finds each one's previous
// state by walking both in step rather than through a map. The spare
// buffers are the other two, which the next look fills.
type storeLook struct {
	svc                *eventservice.Service
	subs, spareSubs    []eventservice.SubscriptionSnapshot
	records, spareRecs []eventservice.RecordSnapshot
}

// lookAtStores reads every service once per storeEvery and judges I21
// and I22 against the previous look.
func (st *CheckState) lookAtStores(c *cluster.Cluster) {
	s := &st.store
	now := st.now()
	if s.checked && now.Sub(s.last) < storeEvery {
		return
	}
	s.last, s.checked = now, true
	nodes := c.Nodes()
	for len(s.services) < len(nodes) {
		s.services = append(s.services, storeLook{})
	}
	for i, n := range nodes {
		l := &s.services[i]
		if n.Service == nil {
			l.svc, l.subs, l.records = nil, nil, l.records[:0]
			continue
		}
		if l.svc != n.Service {
			l.svc, l.subs, l.records = n.Service, nil, l.records[:0] // a new incarnation: nothing to compare with
		}
		st.judgeSubscriptions(n.ID, l, n.Service.AppendSubscriptionDetails(l.spareSubs))
		st.judgeRecords(n.ID, l, n.Service.AppendLiveRecords(l.spareRecs[:0]))
	}
}

// judgeSubscriptions judges I21 on a service's subscriptions now
// against l.subs, and I25 on each, then keeps them as the previous
// look's.
func (st *CheckState) judgeSubscriptions(node wire.ServerID, l *storeLook, cur []eventservice.SubscriptionSnapshot) {
	s := &st.store
	j := 0
	for _, sub := range cur {
		if s.sharingOff && s.i25 == nil {
			s.i25 = sharingViolation(node, sub)
		}
		if s.i21 != nil {
			continue
		}
		var prev eventservice.SubscriptionSnapshot // zero ID: first look at it
		if k := findSub(l.subs, j, sub.ID); k >= 0 {
			prev, j = l.subs[k], k+1
		}
		s.i21 = subscriptionViolation(node, prev, sub)
	}
	l.subs, l.spareSubs = cur, l.subs
}

// findSub returns the index of the subscription id in subs, trying from
// hint on (both looks list them in creation order), or -1.
func findSub(subs []eventservice.SubscriptionSnapshot, hint int, id uint64) int {
	for k := hint; k < len(subs); k++ {
		if subs[k].ID == id {
			return k
		}
	}
	for k := 0; k < min(hint, len(subs)); k++ {
		if subs[k].ID == id {
			return k
		}
	}
	return -1
}

// judgeRecords judges I22 on a service's live records now (cur, from
// eventservice.Service.AppendLiveRecords) against l.records, then keeps
// them as the previous look's. Both are sorted by dispatcher; if an ID
// had two live records, the last of the previous look's is the one
// compared, as a map keyed by ID would keep.
func (st *CheckState) judgeRecords(node wire.ServerID, l *storeLook, cur []eventservice.RecordSnapshot) {
	s := &st.store
	prev, j := l.records, 0
	for _, r := range cur {
		for j < len(prev) && prev[j].Dispatcher < r.Dispatcher {
			j++
		}
		k := j
		for k+1 < len(prev) && prev[k+1].Dispatcher == r.Dispatcher {
			k++
		}
		if k < len(prev) && prev[k].Dispatcher == r.Dispatcher && s.i22 == nil {
			s.i22 = resetViolation(node, prev[k], r)
		}
	}
	l.records, l.spareRecs = cur, prev
}

// subscriptionViolation is I21's rule for one subscription now (cur)
// and at the previous look (prev; zero ID if this is the first look at
// it): "" as nil if it holds.
func subscriptionViolation(node wire.ServerID, prev, cur eventservice.SubscriptionSnapshot) error {
	if cur.CheckpointTs > cur.ResolvedTs {
		return fmt.Errorf("event service %s, subscription %d: checkpoint %d above its resolved ts %d", node, cur.ID, cur.CheckpointTs, cur.ResolvedTs)
	}
	for _, s := range cur.Subscribers {
		if s.OnThis && cur.CheckpointTs > s.StoreCheckpointTs {
			return fmt.Errorf("event service %s, subscription %d: checkpoint %d above its subscriber %s's %d: data it still needs may be collected",
				node, cur.ID, cur.CheckpointTs, s.Dispatcher, s.StoreCheckpointTs)
		}
	}
	if prev.ID == 0 || !subscribersAdvanced(prev, cur) {
		return nil
	}
	floor := prev.ResolvedTs
	for _, s := range prev.Subscribers {
		if s.Registered {
			floor = min(floor, s.StoreCheckpointTs)
		}
	}
	if cur.CheckpointTs < floor {
		return fmt.Errorf("event service %s, subscription %d: a subscriber's checkpoint moved but the subscription's stayed at %d, below %d, the minimum of its subscribers' (%v) and its resolved ts %d at the previous look",
			node, cur.ID, cur.CheckpointTs, floor, prev.Subscribers, prev.ResolvedTs)
	}
	return nil
}

// subscribersAdvanced reports whether the subscription kept the same
// registered subscribers from prev to cur, none of their checkpoints
// went down (a registration replaced in between), and at least one of
// those registered on it moved: then the store recomputed its
// checkpoint since prev.
func subscribersAdvanced(prev, cur eventservice.SubscriptionSnapshot) bool {
	if len(prev.Subscribers) != len(cur.Subscribers) {
		return false
	}
	moved := false
	for i, s := range cur.Subscribers {
		p := prev.Subscribers[i]
		if p.Dispatcher != s.Dispatcher || p.Registered != s.Registered || p.OnThis != s.OnThis || s.StoreCheckpointTs < p.StoreCheckpointTs {
			return false
		}
		moved = moved || (s.OnThis && s.StoreCheckpointTs > p.StoreCheckpointTs)
	}
	return moved
}

// resetViolation is I22's rule for a record now (cur) and at the
// previous look (prev): if its epoch moved within one registration, a
// RESET replaced it, and the
// new record starts from the old one's statistics, so neither its
// received resolved ts nor its heartbeated checkpoint is below what the
// old one had.
func resetViolation(node wire.ServerID, prev, cur eventservice.RecordSnapshot) error {
	if cur.Epoch <= prev.Epoch || cur.Registration != prev.Registration {
		return nil // no RESET, or a new REGISTER in between: it starts afresh
	}
	if cur.ReceivedResolvedTs < prev.ReceivedResolvedTs || cur.CheckpointTs < prev.CheckpointTs {
		return fmt.Errorf("event service %s, dispatcher %s: the RESET to epoch %d left received resolved ts %d and checkpoint %d, below epoch %d's %d and %d",
			node, cur.Dispatcher, cur.Epoch, cur.ReceivedResolvedTs, cur.CheckpointTs, prev.Epoch, prev.ReceivedResolvedTs, prev.CheckpointTs)
	}
	return nil
}

// CheckI21SubscriptionCheckpoint: an event-store subscription's
// checkpoint, its garbage-collection point, is the minimum of its
// subscribers' checkpoints capped at its resolved ts (TiCDC
// logservice/eventstore event_store.go UpdateDispatcherCheckpointTs).
// Never above a subscriber registered on it, nor above its resolved ts:
// data that subscriber still needs could be collected, and TiCDC's
// GetIterator refuses a scan below it (log.Panic). And not left behind:
// once one of its subscribers' checkpoints moved (the store recomputed
// it), it is at least the minimum of its subscribers' checkpoints and
// its resolved ts as the previous look saw them. A checkpoint that never
// moves keeps the subscription's data forever and, when shared, lets a
// later dispatcher reuse it from a start ts whose data the upstream no
// longer has; nothing else looks at it.
func CheckI21SubscriptionCheckpoint(c *cluster.Cluster, st *CheckState) error {
	if st.now == nil {
		return nil
	}
	st.lookAtStores(c)
	return st.store.i21
}

// CheckI22ResetKeepsStatistics: a RESET replaces a record by one of the
// new epoch that carries over the old one's statistics (PROTOCOL.md 3.3,
// RESET row; TiCDC pkg/eventservice dispatcher_stat.go copyStatistics):
// its received resolved ts and its heartbeated checkpoint are not below
// the old record's. A record that forgets them rescans what the store
// already notified it of, and passes an older checkpoint to the store;
// both cost work and recover, so no end-state check sees it. Records
// are compared only within one registration
// (eventservice.RecordSnapshot.Registration): a new REGISTER starts
// afresh, and on the local path its Ready and RESET can follow it at
// the same virtual instant.
func CheckI22ResetKeepsStatistics(c *cluster.Cluster, st *CheckState) error {
	if st.now == nil {
		return nil
	}
	st.lookAtStores(c)
	return st.store.i22
}

// sharingViolation is I25's rule for one subscription of a store that
// does not share: it serves one dispatcher. A later REGISTER of the same
// ID may replace the subscriber (or leave it orphaned, PROTOCOL.md 6.3
// H1), so the rule counts distinct IDs.
func sharingViolation(node wire.ServerID, sub eventservice.SubscriptionSnapshot) error {
	for i := 1; i < len(sub.Subscribers); i++ {
		if sub.Subscribers[i].Dispatcher != sub.Subscribers[0].Dispatcher {
			return fmt.Errorf("event service %s, subscription %d of %s: shared by %s and %s with data sharing off",
				node, sub.ID, sub.Span, sub.Subscribers[0].Dispatcher, sub.Subscribers[i].Dispatcher)
		}
	}
	return nil
}

// CheckI25NoSharingWhenOff: with data sharing off (TiCDC's
// debug.event-store.enable-data-sharing, cluster.Config.DataSharing), an
// event store gives every registration a subscription of its own and
// never attaches a dispatcher to another's (TiCDC logservice/eventstore
// event_store.go RegisterDispatcher: the reuse search runs only under
// enableDataSharing, and a REGISTER that asked only for reuse fails).
// A store that shares anyway does less work and loses nothing, so no
// other check sees it; but a shared subscription's checkpoint is held
// back by its slowest subscriber, which the setting exists to avoid.
// Looked at with I21's looks (every storeEvery).
func CheckI25NoSharingWhenOff(c *cluster.Cluster, st *CheckState) error {
	if st.now == nil {
		return nil
	}
	st.lookAtStores(c)
	return st.store.i25
}
