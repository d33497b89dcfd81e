package eventservice

import (
	"slices"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/fault"
	"github.com/cdcsim/cdcsim/internal/tiassert"
	"github.com/cdcsim/cdcsim/wire"
)

// eventStore models TiCDC's logservice/eventstore as far as the session
// protocol sees it: subscriptions per span with a checkpoint and a
// resolved ts, dispatchers attached to them, and the notification that
// fires when a subscription's resolved ts moves. The data itself is read
// from the Upstream, which is the ground truth, so the store keeps no
// rows. Guarded by the broker's mutex.
type eventStore struct {
	rt          clock.Runtime
	upstream    Upstream
	dataSharing bool
	nextSubID   uint64
	// subs in creation order, which is also the notification order.
	subs []*subscription
	// dispatchers maps a dispatcher ID to its registration (TiCDC's
	// dispatcherMeta.dispatcherStats). Lookup only.
	dispatchers map[wire.DispatcherID]*storeDispatcher
	// observe is Config.ObserveSubscription (observe.go).
	observe func(id wire.DispatcherID, from wire.ServerID, onlyReuse bool)
}

// subscription is one upstream subscription (TiCDC's subscriptionStat).
type subscription struct {
	id   uint64
	span wire.Span
	// checkpointTs is the min checkpoint of its dispatchers, capped at
	// resolvedTs: data at or below it may be GCed. Invariant:
	// checkpointTs <= resolvedTs, and neither decreases.
	checkpointTs wire.Ts
	resolvedTs   wire.Ts
	// initialized: the resolved ts has moved at least once since the
	// subscription was created (its initial scan is done).
	initialized bool
	// catchUpUntil: the resolved ts does not move before this time, while
	// the subscription's incremental scan runs (fault.SubscriptionLag).
	catchUpUntil clock.Time
	// subscribers in attach order. Invariant: IDs are unique.
	subscribers []subscriber
}

// subscriber is a dispatcher attached to a subscription: the ID and the
// slot its notifier loads, exactly what TiCDC's notifier closure holds.
type subscriber struct {
	id   wire.DispatcherID
	slot *dispatcherSlot
}

// storeDispatcher is the store's view of one registration.
type storeDispatcher struct {
	sub          *subscription
	checkpointTs wire.Ts
}

func newEventStore(rt clock.Runtime, up Upstream, dataSharing bool) *eventStore {
	return &eventStore{rt: rt, upstream: up, dataSharing: dataSharing,
		dispatchers: make(map[wire.DispatcherID]*storeDispatcher)}
}

// registerDispatcher is TiCDC's RegisterDispatcher. With onlyReuse it
// succeeds only by attaching to an existing initialised subscription
// (and only with data sharing); otherwise it attaches to a reusable one
// (data sharing) or creates a new one. An existing registration under the
// same ID is overwritten without being detached: its subscription keeps
// the old subscriber, which is how H1's subscription leaks.
func (e *eventStore) registerDispatcher(id wire.DispatcherID, span wire.Span, startTs wire.Ts, slot *dispatcherSlot, onlyReuse bool) bool {
	if e.dataSharing {
		if sub := e.findReusable(span, startTs, onlyReuse); sub != nil {
			sub.attach(subscriber{id: id, slot: slot})
			e.dispatchers[id] = &storeDispatcher{sub: sub, checkpointTs: startTs}
			return true
		}
	}
	if onlyReuse {
		return false
	}
	e.nextSubID++
	sub := &subscription{id: e.nextSubID, span: span, checkpointTs: startTs, resolvedTs: startTs,
		subscribers: []subscriber{{id: id, slot: slot}}}
	if e.rt.Buggify(fault.SubscriptionLag) {
		lag := time.Duration(1 + e.rt.Rand(fault.SubscriptionLag).Int64N(int64(subscriptionLagMax)))
		sub.catchUpUntil = e.rt.Now().Add(lag)
	}
	e.subs = append(e.subs, sub)
	e.dispatchers[id] = &storeDispatcher{sub: sub, checkpointTs: startTs}
	return true
}

// findReusable returns the subscription a registration may share: one
// whose span covers span and whose [checkpointTs, resolvedTs] contains
// startTs, initialised if onlyReuse; an exact span match first, else the
// smallest covering span (TiCDC's bestMatch rule, here in creation
// order instead of map order).
func (e *eventStore) findReusable(span wire.Span, startTs wire.Ts, onlyReuse bool) *subscription {
	var best *subscription
	for _, sub := range e.subs {
		switch {
		case !sub.span.Covers(span):
		case onlyReuse && !sub.initialized:
		case sub.checkpointTs > startTs || startTs > sub.resolvedTs:
		case sub.span == span:
			return sub
		case best == nil || best.span.Covers(sub.span):
			best = sub
		}
	}
	return best
}

// attach adds s, replacing a subscriber with the same ID: the store keys
// subscribers by dispatcher ID.
func (sub *subscription) attach(s subscriber) {
	for i := range sub.subscribers {
		if sub.subscribers[i].id == s.id {
			sub.subscribers[i] = s
			return
		}
	}
	sub.subscribers = append(sub.subscribers, s)
}

// unregisterDispatcher detaches id from the subscription of its current
// registration and drops a subscription left without subscribers. TiCDC
// drops it after an idle delay; dropping it at once keeps leak checks
// exact.
func (e *eventStore) unregisterDispatcher(id wire.DispatcherID) {
	sd := e.dispatchers[id]
	if sd == nil {
		return
	}
	delete(e.dispatchers, id)
	sub := sd.sub
	sub.subscribers = slices.DeleteFunc(sub.subscribers, func(s subscriber) bool { return s.id == id })
	if len(sub.subscribers) == 0 {
		e.subs = slices.DeleteFunc(e.subs, func(s *subscription) bool { return s == sub })
	}
}

// updateDispatcherCheckpointTs records a dispatcher's checkpoint and
// moves its subscription's checkpoint to the min over the subscribers
// (TiCDC's UpdateDispatcherCheckpointTs), never backwards and never past
// the resolved ts.
func (e *eventStore) updateDispatcherCheckpointTs(id wire.DispatcherID, cp wire.Ts) {
	sd := e.dispatchers[id]
	if sd == nil || cp <= sd.checkpointTs {
		return
	}
	sd.checkpointTs = cp
	sub := sd.sub
	newCp := wire.Ts(0)
	for _, s := range sub.subscribers {
		if other := e.dispatchers[s.id]; other != nil && (newCp == 0 || other.checkpointTs < newCp) {
			newCp = other.checkpointTs
		}
	}
	newCp = min(newCp, sub.resolvedTs)
	if newCp > sub.checkpointTs {
		sub.checkpointTs = newCp
	}
}

// checkScanRange is the event store's own check when a scan asks it for
// an iterator over (start, end] for dispatcher id (TiCDC's GetIterator,
// docs/ticdc-assertions.md): the range must not start below the
// subscription's checkpoint, whose data may already be GCed, nor end
// above its resolved ts, which the store has not yet seen complete. The
// registration is looked up by ID, as TiCDC does, so a record that a
// REGISTER overwrote (H1) is judged against the new registration. An ID
// the store does not know gets no iterator in TiCDC (a warning), and no
// check here. The model's registration always has exactly one
// subscription (no pending or removing one), so both checks are TiCDC's
// forced ones.
func (e *eventStore) checkScanRange(node wire.ServerID, id wire.DispatcherID, start, end wire.Ts) {
	sd := e.dispatchers[id]
	if sd == nil {
		return
	}
	sub := sd.sub
	if start < sub.checkpointTs {
		tiassert.Failf("logservice/eventstore/event_store.go:GetIterator",
			"event store: scan start ts below subscription checkpoint",
			"node %s, dispatcher %s, subscription %d, scan (%d, %d], checkpointTs %d, resolvedTs %d",
			node, id, sub.id, start, end, sub.checkpointTs, sub.resolvedTs)
	}
	if end > sub.resolvedTs {
		tiassert.Failf("logservice/eventstore/event_store.go:GetIterator",
			"event store: scan end ts above subscription resolved ts",
			"node %s, dispatcher %s, subscription %d, scan (%d, %d], checkpointTs %d, resolvedTs %d",
			node, id, sub.id, start, end, sub.checkpointTs, sub.resolvedTs)
	}
}

// advance polls the upstream for every subscription, in creation order,
// and calls notify for each subscriber of one whose resolved ts moved.
// notify may not change the store.
func (e *eventStore) advance(notify func(slot *dispatcherSlot, ts wire.Ts)) {
	now, faults := e.rt.Now(), e.rt.FaultsOn()
	for _, sub := range e.subs {
		if now < sub.catchUpUntil && faults { // no lag outlives the heal
			continue // still in its incremental scan: far behind the upstream
		}
		ts := e.upstream.ResolvedTs(sub.span)
		if ts <= sub.resolvedTs {
			continue
		}
		sub.resolvedTs = ts
		sub.initialized = true
		for _, s := range sub.subscribers {
			notify(s.slot, ts)
		}
	}
}

// subscriptionLagMax bounds how long a new subscription catches up
// (fault.SubscriptionLag).
const subscriptionLagMax = 20 * time.Second

// state returns the subscriptions as uploaded to the log coordinator, in
// creation order.
func (e *eventStore) state() []wire.Subscription {
	out := make([]wire.Subscription, len(e.subs))
	for i, sub := range e.subs {
		out[i] = wire.Subscription{Span: sub.span, CheckpointTs: sub.checkpointTs, ResolvedTs: sub.resolvedTs}
	}
	return out
}
