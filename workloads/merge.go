package workloads

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
)

// The merge workload (TestMerge, and the canaries for F3 and F4) splits
// and merges tables again and again on live nodes while the swarm's
// faults run: every merge is a two-phase add (PROTOCOL.md 1.9, 3.2 e)
// racing heartbeats, crashes, network faults and, with data sharing,
// remote probes.
//
// Mechanisms:
//
//   - one task per merge table, on the table's home node: every one to
//     five seconds it merges the table's dispatchers on that node (when
//     there are two or more; a third of the time it splits one further
//     first, up to four) or splits the single one (c.Split, c.Merge);
//     nothing is done on a node that is down; the sources go in span
//     order, except that a quarter of the merges of three or more pick
//     two that are not adjacent, which the dispatcher manager rejects;
//   - a third of the merges have a source taken away while they run
//     (moveSource: the maintainer moving the span), half after a random
//     delay, half just as doMerge detaches the sources from their
//     collector; the merge aborts if it has not committed (TiCDC's
//     shouldAbortMerge and abortMerge, the Sometimes "a merge aborted"),
//     restoring the other sources' registrations in the second case, and
//     the span taken away gets a new dispatcher on the same node;
//   - with Replicas, every merge table also has a whole-table dispatcher
//     on every other node, so that with data sharing the other nodes'
//     event stores have initialised subscriptions covering any merged
//     span: the log coordinator offers them as candidates (1.8) and a
//     probe there succeeds (T4');
//   - with HeartbeatTimeout, the event services sweep handshaked records
//     whose heartbeat is late (cluster.Config.HeartbeatTimeout), so that
//     a committed merged dispatcher loses its record on L after the
//     commit and re-registers (T8, then T3: the F3 path); epoch-0 records
//     (a merge between its Ready and its commit) are never swept.

// MergeOptions shape one run of the merge workload.
type MergeOptions struct {
	// Steady tables replicate untouched (whole spans, round robin);
	// Merging more (Steady+1 .. Steady+Merging) are split and merged.
	Steady, Merging int64
	// Replicas adds a whole-table dispatcher of every merge table on the
	// nodes other than its home.
	Replicas bool
	// DataSharing is cluster.Config.DataSharing.
	DataSharing bool
	// HeartbeatTimeout is cluster.Config.HeartbeatTimeout (0: HEAD's).
	HeartbeatTimeout time.Duration
	// Safety is the length of the faults phase (default 2 minutes).
	Safety time.Duration
}

// DefaultMergeOptions is TestMerge's shape: two steady tables, three
// merge tables with replicas, data sharing on, one minute of faults.
func DefaultMergeOptions() MergeOptions {
	return MergeOptions{Steady: 2, Merging: 3, Replicas: true, DataSharing: true, Safety: time.Minute}
}

// MergeStats counts what a merge run did.
type MergeStats struct {
	Splits, Merges int // started
	Committed      int // merges that reached their commit
	// Moves counts the merges during which a source was taken away
	// (moveSource); Aborted the merges that aborted (read off the
	// coverage points of cluster's abortMerge: 0 when coverage is off).
	Moves, Aborted int
}

// RunMerge is the merge workload's body: Start, the tables, the replicas,
// then the faults with one split/merge task per merge table until the
// heal, as Run.Faults does, except that the merges under way at the heal
// finish before the goals are awaited.
func RunMerge(w *sim.World, o MergeOptions) (*Run, *MergeStats) {
	if o.Safety == 0 {
		o.Safety = 2 * time.Minute
	}
	cfg := cluster.DefaultConfig()
	cfg.Upstream = cluster.DefaultUpstreamConfig(int(o.Steady + o.Merging))
	cfg.DataSharing = o.DataSharing
	cfg.HeartbeatTimeout = o.HeartbeatTimeout
	r := Start(w, cfg)
	if o.HeartbeatTimeout > 0 {
		r.Limits.Work.Every = SweepEvery // each sweep may cost a re-registration (I15)
	}
	stats := &MergeStats{}
	r.AddTables(1, o.Steady+o.Merging)
	if o.Replicas {
		w.Sleep(2 * time.Second)
		for table := o.Steady + 1; table <= o.Steady+o.Merging; table++ {
			home := r.home(table)
			for _, n := range r.C.Nodes() {
				if n != home {
					r.C.AddDispatcher(n, r.C.TableSpan(table), cluster.TsAt(w.Now()))
				}
			}
		}
	}
	// Not r.Faults: a merge under way at the heal must finish before the
	// goals are awaited and I9 is armed, or its removals of the sources
	// would happen after the cluster is declared quiet.
	healed, running := false, 0
	for table := o.Steady + 1; table <= o.Steady+o.Merging; table++ {
		rnd := w.Rand(fmt.Sprintf("workloads/merge/%d", table))
		running++
		w.Go("workload/merge", func() {
			defer func() { running-- }()
			r.splitAndMerge(table, rnd.Int64N, func() bool { return healed }, stats)
		})
	}
	w.StartFaults()
	w.Sleep(o.Safety)
	healed = true
	w.Heal()
	for running > 0 {
		w.Sleep(100 * time.Millisecond)
	}
	w.AwaitGoals()
	w.Sleep(settle)
	r.quiet = true
	w.Sleep(time.Second)
	for _, reason := range cluster.MergeAbortReasons {
		stats.Aborted += int(w.Covered("cluster/merge/abort/" + reason))
	}
	return r, stats
}

// home is the node on which a table is added by AddTables, and on which
// the merge workload splits and merges it.
func (r *Run) home(table int64) *cluster.Node {
	return r.C.Nodes()[int(table)%len(r.C.Nodes())]
}

// splitAndMerge is one merge table's task (see the mechanisms above).
func (r *Run) splitAndMerge(table int64, rand func(int64) int64, healed func() bool, stats *MergeStats) {
	home := r.home(table)
	for !healed() {
		r.W.Sleep(time.Second + time.Duration(rand(int64(4*time.Second))))
		if !r.Up(home) {
			continue
		}
		var ds []*cluster.Dispatcher
		for _, d := range r.C.NodeDispatchers(home) {
			if d.Span().TableID == table {
				ds = append(ds, d)
			}
		}
		switch {
		case len(ds) == 0:
		case len(ds) == 1 || len(ds) < 4 && rand(3) == 0:
			d := ds[rand(int64(len(ds)))]
			if s := d.Span(); s.EndKey-s.StartKey >= 2 {
				stats.Splits++
				r.C.Split(d)
			}
		default:
			stats.Merges++
			sources := r.mergeSources(ds, rand)
			var move *sourceMove
			if rand(3) == 0 {
				stats.Moves++
				move = r.moveSource(home, sources, rand)
			}
			merged := r.C.Merge(home, sources)
			if merged != nil {
				stats.Committed++
			}
			move.finish(r, home, merged == nil)
		}
	}
}

// sourceMove is one source of a merge that the maintainer takes away
// while the merge runs (moveSource).
type sourceMove struct {
	src     *cluster.Dispatcher
	done    bool
	removed bool
}

// moveSource starts a task that removes one of the merge's sources, as
// TiCDC's maintainer does when it moves or removes a span: the merge
// then aborts if it has not committed yet (shouldAbortMerge), and finish
// gives the removed span a new dispatcher. Half of the moves come after
// up to three seconds (the merge check task polls every second, so most
// land while the merged dispatcher waits for its Ready); the others
// watch, every 5 ms, for the source to leave its collector while it
// still lives: doMerge has begun closing the sources, and an abort then
// has to restore the other sources' registrations (abortMerge).
func (r *Run) moveSource(home *cluster.Node, sources []*cluster.Dispatcher, rand func(int64) int64) *sourceMove {
	m := &sourceMove{src: sources[rand(int64(len(sources)))]}
	delay, inDoMerge := time.Duration(rand(int64(3*time.Second))), rand(2) == 0
	r.W.Go("workload/merge-move", func() {
		defer func() { m.done = true }()
		if inDoMerge {
			r.awaitDetached(home, m.src)
		} else {
			r.W.Sleep(delay)
		}
		if r.Up(home) {
			m.removed = r.C.RemoveDispatcher(m.src)
		}
	})
	return m
}

// awaitDetached waits, for up to five seconds, until d is a source that
// doMerge has removed from its collector (it is WaitingMerge and its
// node's collector no longer has it) or the merge is over.
func (r *Run) awaitDetached(n *cluster.Node, d *cluster.Dispatcher) {
	for range 1000 {
		r.W.Sleep(5 * time.Millisecond)
		if !r.Up(n) || d.ComponentStatus() != cluster.WaitingMerge {
			return
		}
		if coll := n.Collector; coll != nil && !coll.HasDispatcher(d.ID()) {
			return
		}
	}
}

// finish waits for the move's task, then, if it removed its source and
// the merge did not commit (so that the merged dispatcher does not cover
// the source's span), adds a dispatcher for that span on the node from
// the source's checkpoint: the maintainer scheduling the span it took
// away. A node that is down meanwhile loses the span (its restart
// re-adds only the dispatchers it had), which later merges of the table
// then refuse as not adjacent.
func (m *sourceMove) finish(r *Run, home *cluster.Node, uncommitted bool) {
	if m == nil {
		return
	}
	for !m.done {
		r.W.Sleep(100 * time.Millisecond)
	}
	if m.removed && uncommitted && r.Up(home) {
		r.C.AddDispatcher(home, m.src.Span(), m.src.CheckpointTs())
	}
}

// mergeSources orders a table's dispatchers by span, as the maintainer
// asks for adjacent ones; a quarter of the time, with three or more, it
// picks the first and the third instead, which are not adjacent, so that
// the dispatcher manager's rejection of such a merge is exercised.
func (r *Run) mergeSources(ds []*cluster.Dispatcher, rand func(int64) int64) []*cluster.Dispatcher {
	slices.SortFunc(ds, func(a, b *cluster.Dispatcher) int { return cmp.Compare(a.Span().StartKey, b.Span().StartKey) })
	if len(ds) >= 3 && rand(4) == 0 {
		return []*cluster.Dispatcher{ds[0], ds[2]}
	}
	return ds
}

// RemoteSessions returns a function that reports whether some session has
// had a remote current service (PROTOCOL.md 3.1 T4': flow (b) of 3.2, or
// a probe that won) at some step so far; it installs the cheap
// invariant that watches for it.
func (r *Run) RemoteSessions() func() bool {
	seen := false
	r.W.Invariant("remote session seen (bookkeeping, never fails)", 1, func() error {
		if !seen {
			seen = r.hasRemoteSession()
		}
		return nil
	})
	return func() bool { return seen }
}

func (r *Run) hasRemoteSession() bool {
	for _, n := range r.C.Nodes() {
		if n.Collector == nil {
			continue
		}
		for _, d := range n.Dispatchers {
			if st, ok := n.Collector.Stat(d.ID()); ok {
				if cur := st.Snapshot().CurrentEventServiceID; cur != "" && cur != wire.ServerID(n.ID) {
					return true
				}
			}
		}
	}
	return false
}
