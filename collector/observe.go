package collector

import (
	"slices"
	"strings"

	"github.com/cdcsim/cdcsim/session"
	"github.com/cdcsim/cdcsim/wire"
)

// What the checkers read of the event path's memory control (workloads,
// I18 and I19): each area's accounting and the paths that hold queued
// events without being served. Only reads, under mu; nothing here
// changes what the collector does.

// AreaSnapshot is one changefeed's memory area as the checkers see it.
type AreaSnapshot struct {
	Changefeed wire.ChangefeedID
	// Quota and Pending are the area's quota and the bytes queued on its
	// paths; OverLimit is the dynstream's drop and release threshold
	// (Pending at or above 1.5 times Quota).
	Quota, Pending uint64
	OverLimit      bool
	// Releases is the area's memory release count.
	Releases uint64
	// Idle counts the paths with queued events that are neither
	// scheduled on a worker nor blocked by their sink nor removed:
	// nothing will serve them until another event arrives. FirstIdle is
	// the first of them in creation order.
	Idle      int
	FirstIdle wire.DispatcherID
}

// Generation returns a count that moves whenever what AppendAreas reads
// may have changed: how many times the collector's guard, under which
// every area and path field is written, was taken (clock.Guard.Taken;
// AppendAreas takes it too). A checker that looks after every step
// reads the areas again only when it moved since its last look. Read it
// between steps. For checkers and tests.
func (c *EventCollector) Generation() uint64 { return c.mu.Taken() }

// AppendAreas appends the collector's memory areas to buf in changefeed
// order and returns it: a checker that looks after every step reuses
// its buffer. For checkers and tests.
func (c *EventCollector) AppendAreas(buf []AreaSnapshot) []AreaSnapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	start := len(buf)
	for _, a := range c.areas { //dst:allow map-range: sorted below, observation only
		s := AreaSnapshot{Changefeed: a.id, Quota: a.quota, Pending: a.pending, OverLimit: a.overLimit(), Releases: a.releases}
		for _, p := range a.paths {
			if len(p.queue) > 0 && !p.scheduled && !p.blocked && !p.removed {
				if s.Idle == 0 {
					s.FirstIdle = p.id
				}
				s.Idle++
			}
		}
		buf = append(buf, s)
	}
	if len(buf)-start > 1 {
		slices.SortFunc(buf[start:], func(x, y AreaSnapshot) int { return strings.Compare(string(x.Changefeed), string(y.Changefeed)) })
	}
	return buf
}

// DropDecision is memory control's decision on one droppable event (a
// DML, batch DML, DDL or sync point) as it arrives on its path
// (Config.ObserveDrop): the area's pending bytes and quota before the
// event was queued, whether it was replaced by a DropEvent, and whether
// a fault site (fault.MemoryPressure, fault.DropEvent) forced that drop
// with the area under its threshold.
type DropDecision struct {
	Changefeed        wire.ChangefeedID
	Dispatcher        wire.DispatcherID
	Event             wire.Event
	Pending, Quota    uint64
	Dropped, Injected bool
}

// observeDrop reports a droppable event's arrival to Config.ObserveDrop,
// if set. Called with mu held; it changes nothing.
func (c *EventCollector) observeDrop(p *path, ev wire.Event, pending uint64, dropped, injected bool) {
	if c.cfg.ObserveDrop == nil {
		return
	}
	if !dropped {
		if _, ok := dropEventFor(ev); !ok {
			return
		}
	}
	c.cfg.ObserveDrop(DropDecision{Changefeed: p.area.id, Dispatcher: p.id, Event: ev,
		Pending: pending, Quota: p.area.quota, Dropped: dropped, Injected: injected})
}

// BlockedPath is a path that waits for its sink's wake (the handler
// returned "block"), with the dispatcher's target: the sink that owes
// the wake.
type BlockedPath struct {
	Changefeed wire.ChangefeedID
	Dispatcher wire.DispatcherID
	Target     session.Target
	Pending    uint64
}

// AppendBlocked appends the collector's blocked paths to buf, by
// changefeed and then in each area's path order, and returns it. For
// checkers and tests; it only reads.
func (c *EventCollector) AppendBlocked(buf []BlockedPath) []BlockedPath {
	c.mu.Lock()
	defer c.mu.Unlock()
	start := len(buf)
	for _, a := range c.areas { //dst:allow map-range: sorted below, observation only
		for _, p := range a.paths {
			if p.blocked && !p.removed {
				buf = append(buf, BlockedPath{Changefeed: a.id, Dispatcher: p.id, Target: p.d.target, Pending: p.pending})
			}
		}
	}
	if len(buf)-start > 1 {
		slices.SortStableFunc(buf[start:], func(x, y BlockedPath) int { return strings.Compare(string(x.Changefeed), string(y.Changefeed)) })
	}
	return buf
}
