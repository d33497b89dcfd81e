package eventservice

import (
	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/wire"
)

// What the checkers read of an event service beyond its records
// (Records): the event store's subscriptions with their subscribers, and
// each subscription it creates, as it creates it. Both only read the
// broker's state; neither changes what the service does.

// SubscriptionSnapshot is one event-store subscription as the checkers
// see it: a leak checker compares its subscribers with the records and
// the collectors' sessions (workloads, I14).
type SubscriptionSnapshot struct {
	ID   uint64
	Span wire.Span
	// Subscribers in attach order.
	Subscribers []SubscriberSnapshot
}

// SubscriberSnapshot is one dispatcher attached to a subscription.
type SubscriberSnapshot struct {
	Dispatcher wire.DispatcherID
	// Removed: the record the subscriber's slot holds is marked removed
	// (REMOVE, the sweep, a failed REGISTER): it scans nothing, and a
	// subscriber left in that state keeps the subscription alive for
	// nobody.
	Removed bool
	// Orphaned: the slot is no longer the one the ID maps to (a later
	// REGISTER overwrote it, PROTOCOL.md 6.3 H1).
	Orphaned bool
}

// SubscriptionDetails returns the event store's subscriptions in
// creation order, with their subscribers. For checkers and tests.
func (s *Service) SubscriptionDetails() []SubscriptionSnapshot {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	out := make([]SubscriptionSnapshot, len(s.b.eventStore.subs))
	for i, sub := range s.b.eventStore.subs {
		out[i] = SubscriptionSnapshot{ID: sub.id, Span: sub.span, Subscribers: make([]SubscriberSnapshot, len(sub.subscribers))}
		for j, sc := range sub.subscribers {
			out[i].Subscribers[j] = SubscriberSnapshot{Dispatcher: sc.id, Removed: sc.slot.stat.isRemoved,
				Orphaned: s.b.dispatchers[sc.id] != sc.slot}
		}
	}
	return out
}

// IntakeBusyUntil returns when the last slow RegisterTable the intake
// waited for ends (SiteRegisterTableSlow; zero if none): every request
// and heartbeat of the service waits behind it, so a watchdog must not
// count a session whose service is busy there as stalled on a healthy
// link.
func (s *Service) IntakeBusyUntil() clock.Time { return clock.Time(s.busyUntil.Load()) }

// observeCreated reports a subscription the event store just created for
// a REGISTER of id from collector from (Config.ObserveSubscription).
func (e *eventStore) observeCreated(id wire.DispatcherID, from wire.ServerID, onlyReuse bool) {
	if e.observe != nil {
		e.observe(id, from, onlyReuse)
	}
}

// PendingCleanups returns the dispatchers whose records wait in the
// cleanup retry queue (a failed cleanup of a cancelled scan's state,
// active_scan.go), in the order they failed, with their epochs: for
// checkers and tests. After the heal the queue must drain within one
// retry interval.
func (s *Service) PendingCleanups() []RecordSnapshot {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	out := make([]RecordSnapshot, len(s.b.pendingLargeTxnCleanup))
	for i, d := range s.b.pendingLargeTxnCleanup {
		out[i] = d.snapshot(false)
	}
	return out
}
