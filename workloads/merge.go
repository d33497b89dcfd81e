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
			if r.C.Merge(home, r.mergeSources(ds, rand)) != nil {
				stats.Committed++
			}
		}
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
