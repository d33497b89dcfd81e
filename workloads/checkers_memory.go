package workloads

import (
	"fmt"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/collector"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
)

// Memory-control health (I18, I19, I20): the collectors' event paths must
// not only lose nothing (I5) but also stay healthy while they drop and
// release. Memory pressure in the model always ends in drops and RESETs
// that recover, so a memory control that releases at the wrong moment,
// or a path that is never served, leaves every end-state check green:
// `dst mutate` found such mutants of collector/dynstream.go alive
// (FINDINGS.md, "Mutation score"). These checkers read the areas
// through collector.EventCollector.AppendAreas, which only reads, after
// every step whose collector's guard was taken (the others are judged on
// what the previous look read, which is still what they hold): a burst that fills an area and the release it causes can
// both happen at one virtual instant, which a look spaced in virtual
// time would miss.

// memoryState is I18's, I19's and I20's run-wide state.
type memoryState struct {
	// over holds, for each area over its quota at the last look, when it
	// went over (the look that first saw it); areas back under their
	// quota, and those of a replaced collector, leave it.
	over, seen map[areaKey]clock.Time
	// areas is each area's release count and last pressure (I20).
	areas map[areaKey]*areaWatch
	// node returns a node of the Run, whose Up says whether it is
	// running; nil: all are. Each look keeps what it returned.
	node func(wire.ServerID) *sim.Node
	// fakePressure: the run's fault.MemoryPressure site is on, so a push
	// may ask for a release with the area far under its quota, and I20
	// does not judge.
	fakePressure bool
	// step and looked: the look of this step is done (st.step); colls is
	// what the last look read from each node's collector, by the node's
	// index in the cluster.
	step   uint64
	looked bool
	colls  []collLook
	// peak is the longest time an area was seen over its quota, and
	// pressureAge the longest time from a look that saw an area under
	// pressure to its next release: what MemoryRecover and
	// ReleaseAfterPressure are measured against.
	peak, pressureAge time.Duration
	// The first violations seen.
	i18, i19, i20 error
}

func (m *memoryState) init() {
	if m.areas == nil {
		m.over, m.seen, m.areas = map[areaKey]clock.Time{}, map[areaKey]clock.Time{}, map[areaKey]*areaWatch{}
	}
}

// areaKey names an area of one collector incarnation.
type areaKey struct {
	coll *collector.EventCollector
	cf   wire.ChangefeedID
}

// areaWatch is one area's release history (I20): its release count and
// the last look that saw it under pressure.
type areaWatch struct {
	releases uint64
	pressure clock.Time
	pressed  bool
}

// MemoryPeaks returns the longest time any area was seen over its quota
// (I18) and the longest time from pressure to a release (I20).
func (st *CheckState) MemoryPeaks() (overQuota, pressureToRelease time.Duration) {
	return st.memory.peak, st.memory.pressureAge
}

// lookAtMemory reads every running node's areas, once per step, and
// updates the three checkers' clocks and findings. A collector whose
// guard was not taken since the last look has the areas that look read
// (collector.EventCollector.Generation), so they are judged again
// without reading them: the rules see the same snapshots at the same
// instants as a fresh read would give them.
func (st *CheckState) lookAtMemory(c *cluster.Cluster) {
	m := &st.memory
	if st.step != nil {
		if m.looked && m.step == st.step() {
			return
		}
		m.step, m.looked = st.step(), true
	}
	now := st.now()
	m.init()
	clear(m.seen)
	nodes := c.Nodes()
	for len(m.colls) < len(nodes) {
		m.colls = append(m.colls, collLook{})
	}
	for i, n := range nodes {
		l := &m.colls[i]
		if m.node != nil && l.id != n.ID {
			l.id, l.node = n.ID, m.node(n.ID)
		}
		if n.Collector == nil || (l.node != nil && !l.node.Up()) {
			continue // a crashed node's areas are frozen, not unhealthy
		}
		if l.coll != n.Collector || l.gen != n.Collector.Generation() {
			st.readAreas(l, n.Collector)
		} else if l.calm {
			continue // judged since the read, and judging again changes nothing
		}
		l.calm = l.quiet
		for j, a := range l.areas {
			st.judgeArea(n.ID, areaKey{n.Collector, a.Changefeed}, l.watches[j], a, now)
		}
	}
	m.over, m.seen = m.seen, m.over
}

// collLook is what the last look read from one node's collector: its
// areas, each area's release history, and the collector's generation
// after the read; and the node, whose Up says whether to look.
//
// quiet says every area read was under the pressure threshold (60 % of
// its quota, so under the quota too): judging such a snapshot again at a
// later instant changes no clock and no finding (a release or an idle
// path is seen by the first judgement after the read), so once calm (a
// quiet read judged once) the look skips it until the next read.
type collLook struct {
	quiet, calm bool
	id          wire.ServerID
	node        *sim.Node
	coll        *collector.EventCollector
	gen         uint64
	areas       []collector.AreaSnapshot
	watches     []*areaWatch
}

// readAreas reads coll's areas into l.
func (st *CheckState) readAreas(l *collLook, coll *collector.EventCollector) {
	m := &st.memory
	l.coll = coll
	l.areas = coll.AppendAreas(l.areas[:0])
	l.gen = coll.Generation()
	l.watches, l.quiet, l.calm = l.watches[:0], true, false
	for _, a := range l.areas {
		l.quiet = l.quiet && 10*a.Pending < 6*a.Quota
		k := areaKey{coll, a.Changefeed}
		w := m.areas[k]
		if w == nil {
			w = &areaWatch{}
			m.areas[k] = w
		}
		l.watches = append(l.watches, w)
	}
}

// judgeArea applies the three rules to one area's snapshot; w is its
// release history. Areas over their quota go into m.seen, which the
// look then makes m.over.
func (st *CheckState) judgeArea(node wire.ServerID, k areaKey, w *areaWatch, a collector.AreaSnapshot, now clock.Time) {
	m := &st.memory
	if a.Idle > 0 && m.i19 == nil {
		m.i19 = fmt.Errorf("node %s, area %s: the path of %s (and %d more) holds queued events but is neither scheduled nor blocked by its sink",
			node, a.Changefeed, a.FirstIdle, a.Idle-1)
	}
	st.watchReleases(node, w, a, now)
	if a.Pending > a.Quota {
		st.watchOverQuota(node, k, a, now)
	}
}

// watchOverQuota follows an area over its quota (I18).
func (st *CheckState) watchOverQuota(node wire.ServerID, k areaKey, a collector.AreaSnapshot, now clock.Time) {
	m := &st.memory
	since, ok := m.over[k]
	if !ok {
		since = now
	}
	m.seen[k] = since
	m.peak = max(m.peak, now.Sub(since))
	if lim := st.limits.MemoryRecover; lim > 0 && now.Sub(since) > lim && m.i18 == nil {
		m.i18 = fmt.Errorf("node %s, area %s: %d bytes pending against a quota of %d for %s, over the %s allowed",
			node, a.Changefeed, a.Pending, a.Quota, now.Sub(since), lim)
	}
}

// watchReleases follows an area's releases (I20): pressure is usage at
// or above the stuck-area detector's threshold, 60 % of the quota (the
// lowest usage at which the model asks for a release without the fault
// site); a release must come within ReleaseAfterPressure of a look that
// saw it.
func (st *CheckState) watchReleases(node wire.ServerID, w *areaWatch, a collector.AreaSnapshot, now clock.Time) {
	m := &st.memory
	if 10*a.Pending >= 6*a.Quota {
		w.pressure, w.pressed = now, true
	}
	if a.Releases > w.releases && !m.fakePressure {
		age := now.Sub(w.pressure)
		if w.pressed {
			m.pressureAge = max(m.pressureAge, age)
		}
		if lim := st.limits.ReleaseAfterPressure; lim > 0 && (!w.pressed || age > lim) && m.i20 == nil {
			last := "never under pressure"
			if w.pressed {
				last = fmt.Sprintf("last under pressure %s ago", age)
			}
			m.i20 = fmt.Errorf("node %s, area %s: memory release %d at %d bytes pending against a quota of %d, %s (allowed: %s)",
				node, a.Changefeed, a.Releases, a.Pending, a.Quota, last, lim)
		}
	}
	w.releases = a.Releases
}

// CheckI18MemoryRecovers: an area of a running collector that goes over
// its quota comes back under it within Limits.MemoryRecover of virtual
// time (PROTOCOL.md 1.5, 3.6). Over 1.5 times its quota the event path
// drops droppable events and asks for a release of its blocked paths,
// at most once per ReleaseInterval; the stuck-area detector releases an
// area that stopped shrinking. Either way usage falls back within a few
// release intervals; an area that stays over its quota for longer means
// memory control stopped acting on pressure, while the drops and RESETs
// it causes still recover, so no end-state check sees it. Zero
// MemoryRecover turns it off.
func CheckI18MemoryRecovers(c *cluster.Cluster, st *CheckState) error {
	if st.now == nil {
		return nil
	}
	st.lookAtMemory(c)
	return st.memory.i18
}

// CheckI19PathsServed: a path with queued events is always either
// scheduled on its worker (in its ready queue or being served) or
// blocked by its sink, which wakes it when it flushes (PROTOCOL.md 2.5;
// TiCDC's dynstream keeps a path with pending events in its worker's
// queue unless the handler paused it). A path in neither state is never
// served until another event arrives for it, and a path whose only
// queued event is a resolved ts that later resolved events replace is
// never served at all: its dispatcher stalls while every counter looks
// healthy. The collector changes the flags and the queue under one lock
// that no scheduling point interrupts, so the rule holds between any two
// steps and any look that sees it broken is a violation.
func CheckI19PathsServed(c *cluster.Cluster, st *CheckState) error {
	if st.now == nil {
		return nil
	}
	st.lookAtMemory(c)
	return st.memory.i19
}

// CheckI20ReleaseFollowsPressure: a collector releases an area's memory
// (discards the queues of its blocked paths, each a seq gap and a RESET
// for its dispatcher) only within Limits.ReleaseAfterPressure of a moment
// the area was under pressure: at or above 60 % of its quota, the stuck
// detector's threshold, below the 1.5 times at which an arriving event
// asks for a release (PROTOCOL.md 1.5; TiCDC memory_control.go
// appendEvent, releaseMemory). A release without pressure resets
// dispatchers for nothing; the resets recover, so only this sees it.
// Runs whose fault.MemoryPressure site is on (an arriving event may ask
// for a release whatever the usage) are not judged. Zero
// ReleaseAfterPressure turns it off.
func CheckI20ReleaseFollowsPressure(c *cluster.Cluster, st *CheckState) error {
	if st.now == nil {
		return nil
	}
	st.lookAtMemory(c)
	return st.memory.i20
}
