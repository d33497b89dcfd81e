package workloads

import (
	"fmt"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/wire"
)

// stallState is I16's run-wide state: the watchdog's settings and when it
// last looked.
type stallState struct {
	// every spaces the looks in virtual time: a stall is measured in
	// minutes, so looking every second is exact enough and keeps the
	// per-step cost at nothing for most steps.
	every   time.Duration
	last    clock.Time
	checked bool
	// link reports whether node a's collector and node b's event service
	// can talk: both up, no partition or clog between them now (the
	// Run's network and nodes); nil means always.
	link func(a, b wire.ServerID) bool
	// busyUntil returns when a service's intake stops waiting for a slow
	// RegisterTable (eventservice.Service.IntakeBusyUntil); nil: never.
	busyUntil func(svc wire.ServerID) clock.Time
	// prev is the look before last: a service busy at any time since
	// then disturbed its links.
	prev clock.Time
	// boots is each node's boot count at the last look: a restart
	// between two looks disturbs every link of the node.
	boots map[wire.ServerID]int
	// peak is the longest standing checkpoint seen behind a moving
	// upstream (whether or not it failed), for measuring a default.
	peak time.Duration
}

// stallWatch is one dispatcher's watchdog.
type stallWatch struct {
	started bool
	// cp is the checkpoint since since; since is the start of the
	// current window: the last look at which the checkpoint moved, the
	// link to its target was disturbed, or the upstream did not move.
	cp    wire.Ts
	since clock.Time
	// upstream is its span's resolved ts at the last look.
	upstream wire.Ts
}

// StallPeak returns the longest time any live dispatcher's checkpoint
// stood still, at a look of I16, while its target was reachable and its
// upstream moved on.
func (st *CheckState) StallPeak() time.Duration { return st.stall.peak }

// CheckI16Progress is a watchdog of each live dispatcher during the whole
// run: its sink checkpoint moves at least once every StallAfter of
// virtual time while its target service's node is up and reachable from
// its own (no crash, restart, partition or clog on that link, and the
// service's intake not held by a slow RegisterTable, the Buggify site
// behind whom every request of the service waits), and its
// span's upstream resolved ts moves on and is more than CatchUpLag ahead
// of the checkpoint (PROTOCOL.md 5 I11; 8, stall detection). The target
// is the current service, or L when there is none (the session then
// waits for L's Ready, which L always sends). A stall that ends by itself
// before the heal is invisible to I11's goal, which is judged once after
// the heal: the lost RESET of #4272 waiting for a local Ready, the
// switch to a lagging local of #6322, a Ready back-off or a Removed
// answer that comes much later than it should.
//
// Any disturbance restarts the dispatcher's window, so only a stall on
// a healthy link counts. Removed sessions, sessions whose collector is
// gone, and merged dispatchers between their prepare and their commit
// (their checkpoint waits for the merge task) are not watched. It looks
// every stallState.every of virtual time, so a partition shorter than
// that between two looks is not seen: the window then started before it,
// which StallAfter's margin (minutes against a second) absorbs. Fails as
// liveness (sim.World.Progress).
func CheckI16Progress(c *cluster.Cluster, st *CheckState) error {
	s := &st.stall
	if st.limits.StallAfter <= 0 || st.now == nil {
		return nil
	}
	now := st.now()
	if s.checked && now.Sub(s.last) < s.every {
		return nil
	}
	s.prev, s.last, s.checked = s.last, now, true
	restarted := st.noteBoots(c)
	for _, n := range c.Nodes() {
		for _, d := range c.NodeDispatchers(n) {
			if err := st.watchOne(c, d, now, restarted); err != nil {
				return err
			}
		}
	}
	return nil
}

// noteBoots returns the nodes that booted since the last look.
func (st *CheckState) noteBoots(c *cluster.Cluster) map[wire.ServerID]bool {
	s := &st.stall
	if s.boots == nil {
		s.boots = map[wire.ServerID]int{}
	}
	var out map[wire.ServerID]bool
	for _, n := range c.Nodes() {
		if s.boots[n.ID] != n.Boots {
			if out == nil {
				out = map[wire.ServerID]bool{}
			}
			out[n.ID], s.boots[n.ID] = true, n.Boots
		}
	}
	return out
}

// watchOne moves d's watchdog to now and fails if d has stalled.
func (st *CheckState) watchOne(c *cluster.Cluster, d *cluster.Dispatcher, now clock.Time, restarted map[wire.ServerID]bool) error {
	w := &st.of(d.ID()).watch
	snap, live := snapshot(c, d)
	if d.Removed || !live || snap.Removed || st.preparing[d.ID()] {
		w.started = false
		return nil
	}
	target := snap.CurrentEventServiceID
	if target == "" {
		target = d.Node()
	}
	cp, resolved := d.CheckpointTs(), c.Upstream.ResolvedTs(d.Span())
	s := &st.stall
	disturbed := restarted[d.Node()] || restarted[target] || s.link != nil && !s.link(d.Node(), target) ||
		s.busyUntil != nil && s.busyUntil(target) >= s.prev
	if !w.started || disturbed || cp != w.cp || resolved <= w.upstream {
		w.started, w.cp, w.since = true, cp, now
	}
	w.upstream = resolved
	stood := now.Sub(w.since)
	if resolved <= cp+CatchUpLag {
		return nil
	}
	s.peak = max(s.peak, stood)
	if stood <= st.limits.StallAfter {
		return nil
	}
	return fmt.Errorf("dispatcher %s on %s: checkpoint %d has not moved for %s (since %s) while its target %s was reachable and the upstream resolved ts moved on to %d; session %+v; records: %s",
		d.ID(), d.Node(), cp, stood, w.since, target, resolved, snap, recordsOf(c, d))
}
