package eventservice

import (
	"cmp"
	"slices"

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
	// CheckpointTs and ResolvedTs are the subscription's GC point (the
	// min of its subscribers' checkpoints, capped at the resolved ts)
	// and the upstream's resolved ts as it last saw it.
	CheckpointTs, ResolvedTs wire.Ts
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
	// Registered: the store has a registration under the subscriber's
	// ID, with StoreCheckpointTs as its checkpoint; OnThis: that
	// registration is on this subscription (not on one a later REGISTER
	// attached the ID to).
	Registered, OnThis bool
	StoreCheckpointTs  wire.Ts
}

// SubscriptionDetails returns the event store's subscriptions in
// creation order, with their subscribers. For checkers and tests.
func (s *Service) SubscriptionDetails() []SubscriptionSnapshot {
	return s.AppendSubscriptionDetails(nil)
}

// AppendSubscriptionDetails is SubscriptionDetails into buf, which it
// overwrites from its start and returns, reusing the subscriber slices
// of buf's elements: a checker that looks every few milliseconds keeps
// two buffers and alternates them. For checkers.
func (s *Service) AppendSubscriptionDetails(buf []SubscriptionSnapshot) []SubscriptionSnapshot {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	subs := s.b.eventStore.subs
	if cap(buf) < len(subs) {
		buf = append(buf[:cap(buf)], make([]SubscriptionSnapshot, len(subs)-cap(buf))...)
	}
	buf = buf[:len(subs)]
	for i, sub := range subs {
		scs := buf[i].Subscribers[:0]
		for _, sc := range sub.subscribers {
			ss := SubscriberSnapshot{Dispatcher: sc.id, Removed: sc.slot.stat.isRemoved, Orphaned: s.b.dispatchers[sc.id] != sc.slot}
			if sd := s.b.eventStore.dispatchers[sc.id]; sd != nil {
				ss.Registered, ss.OnThis, ss.StoreCheckpointTs = true, sd.sub == sub, sd.checkpointTs
			}
			scs = append(scs, ss)
		}
		buf[i] = SubscriptionSnapshot{ID: sub.id, Span: sub.span, CheckpointTs: sub.checkpointTs, ResolvedTs: sub.resolvedTs, Subscribers: scs}
	}
	return buf
}

// AppendLiveRecords appends to buf the records Records returns that are
// neither removed nor orphaned (the current, live record of each ID),
// sorted by ID, and returns it; it skips the orphan search Records
// makes. For checkers that look every few milliseconds.
func (s *Service) AppendLiveRecords(buf []RecordSnapshot) []RecordSnapshot {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	slots := s.liveSlots[:0]
	for _, m := range []map[wire.DispatcherID]*dispatcherSlot{s.b.dispatchers, s.b.tableTriggerDispatchers} {
		for _, slot := range m { //dst:allow map-range: sorted below, observation only
			if !slot.stat.isRemoved {
				slots = append(slots, slot)
			}
		}
	}
	// Sort the slots, not the snapshots (large values). An ID in both
	// maps sorts as Records sorts it: the table's first.
	slices.SortFunc(slots, func(a, b *dispatcherSlot) int {
		if c := cmp.Compare(a.stat.id, b.stat.id); c != 0 {
			return c
		}
		return cmp.Compare(b2i(a.stat.tableTrigger), b2i(b.stat.tableTrigger))
	})
	for _, slot := range slots {
		buf = append(buf, slot.stat.snapshot(slot, false))
	}
	clear(slots)
	s.liveSlots = slots[:0]
	return buf
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
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
		out[i] = d.snapshot(nil, false) // no slot: the record left its slot when it was removed
	}
	return out
}
