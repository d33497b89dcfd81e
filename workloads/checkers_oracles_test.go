package workloads

import (
	"slices"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/eventservice"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// A clean run keeps I14-I17 silent, and they saw what they judge: every
// dispatcher's REGISTER, RESET and subscription (I15), and no duplicate.
func TestOraclesSilentOnCleanRun(t *testing.T) {
	quietCluster(t, func(w *sim.World, r *Run) {
		require.NoError(t, CheckI14NoLeakedRecords(r.C, r.State))
		require.NoError(t, CheckI15NoWastedWork(r.C, r.State))
		require.NoError(t, CheckI16Progress(r.C, r.State))
		require.NoError(t, CheckI17DuplicatesExplained(r.C, r.State))
		for _, d := range r.C.Dispatchers {
			w := r.State.of(d.ID()).work
			require.Equal(t, [3]int{1, 1, 1}, [3]int{w.registers, w.resets, w.subscriptions}, "dispatcher %s", d.ID())
		}
		require.Equal(t, DuplicateCounts{}, r.State.Duplicates())
	})
}

// I14 fires on a record on L whose collector lost the session (through
// Leaks, on the live services) and, on forged records, on a remote
// record that its live session does not target, on one left behind by a
// removed session with no REMOVE sent, and on an orphan; it excuses a
// remote record whose REMOVE was sent (best-effort) and one of a crashed
// collector.
func TestCheckI14FiresOnLeaks(t *testing.T) {
	quietCluster(t, func(w *sim.World, r *Run) {
		d := r.C.Dispatchers[0]
		n := r.C.Node(d.Node())
		remote := r.C.Nodes()[0].ID
		if remote == n.ID {
			remote = r.C.Nodes()[1].ID
		}
		st := r.State
		rec := eventservice.RecordSnapshot{Dispatcher: d.ID(), ServerID: d.Node(), Epoch: 1}
		require.Empty(t, st.leakReason(r.C, n.ID, rec), "its live session is on L")
		require.Contains(t, st.leakReason(r.C, remote, rec), "targets neither")
		st.lastAction[serviceKey{d.ID(), remote}] = wire.ActionRemove
		require.Empty(t, st.leakReason(r.C, remote, rec), "a REMOVE to a remote is best-effort")
		delete(st.lastAction, serviceKey{d.ID(), remote})
		orphan := rec
		orphan.Orphaned = true
		require.Contains(t, st.leakReason(r.C, n.ID, orphan), "H1")
		rec.Dispatcher = 999
		require.Contains(t, st.leakReason(r.C, n.ID, rec), "ever created")

		// On the live services: L keeps d's record while d's collector
		// (swapped for one without dispatchers) has no session for it.
		own := n.Collector
		for _, other := range r.C.Nodes() {
			if other != n && len(other.Collector.DispatcherIDs()) == 0 {
				n.Collector = other.Collector
			}
		}
		require.NotSame(t, own, n.Collector, "no node without dispatchers")
		require.ErrorContains(t, CheckI14NoLeakedRecords(r.C, st), "no live session")
		tr := &OrphanTracker{Grace: time.Second, Find: func(c *cluster.Cluster) []Orphan { return Leaks(c, st) }}
		require.NoError(t, tr.Check(r.C, w.Now()))
		require.ErrorContains(t, tr.Check(r.C, w.Now().Add(2*time.Second)), "no live session")
		// Not live any more: a remote record of a crashed collector's
		// dispatcher is excused, one of a removed session is not...
		rec.Dispatcher = d.ID()
		require.Empty(t, st.leakReason(r.C, remote, rec), "its collector crashed")
		st.removedFromLocal[d.ID()] = true
		st.lastAction[serviceKey{d.ID(), remote}] = wire.ActionRegister
		require.Contains(t, st.leakReason(r.C, remote, rec), "no REMOVE was queued")
		// ... unless its REMOVE was sent.
		st.lastAction[serviceKey{d.ID(), remote}] = wire.ActionRemove
		require.Empty(t, st.leakReason(r.C, remote, rec))
		delete(st.removedFromLocal, d.ID())
		delete(st.lastAction, serviceKey{d.ID(), remote})
		n.Collector = own
		require.NoError(t, CheckI14NoLeakedRecords(r.C, st))
	})
}

// I15 fires on a subscription created for a REGISTER that asked only for
// reuse, on one created on a remote, on a REGISTER to a remote that does
// not ask only for reuse, and on counts over the budget; disruptions
// raise the budget.
func TestCheckI15FiresOnWastedWork(t *testing.T) {
	quietCluster(t, func(w *sim.World, r *Run) {
		sub := func(st *CheckState, node, from wire.ServerID, onlyReuse bool) {
			st.Observe(cluster.Observation{Kind: cluster.ObservedSubscription, Node: node, To: from, Dispatcher: 7, OnlyReuse: onlyReuse})
		}
		reg := func(st *CheckState, from, to wire.ServerID, onlyReuse bool) {
			st.Observe(cluster.Observation{Kind: cluster.ObservedRequest, Node: from, To: to, Dispatcher: 7,
				Msg: &wire.DispatcherRequest{DispatcherID: 7, ServerID: from, Action: wire.ActionRegister, OnlyReuse: onlyReuse}})
		}
		st := NewCheckState()
		sub(st, "n1", "n1", false)
		require.NoError(t, CheckI15NoWastedWork(r.C, st))
		sub(st, "n2", "n1", true)
		require.ErrorContains(t, CheckI15NoWastedWork(r.C, st), "only reuse was allowed")
		st = NewCheckState()
		sub(st, "n2", "n1", false)
		require.ErrorContains(t, CheckI15NoWastedWork(r.C, st), "REGISTER from n1")
		st = NewCheckState()
		reg(st, "n1", "n1", false)
		reg(st, "n1", "n2", true)
		require.NoError(t, CheckI15NoWastedWork(r.C, st))
		reg(st, "n1", "n2", false)
		require.ErrorContains(t, CheckI15NoWastedWork(r.C, st), "asks only for reuse exactly when")

		st = NewCheckState()
		disruptions := uint64(0)
		st.now, st.work.disruptions = w.Now, func() uint64 { return disruptions }
		*st.limits = Limits{Work: WorkBudget{Registers: 2, Resets: 1, Subscriptions: 1, PerDisruption: 1}}
		for range 3 {
			reg(st, "n1", "n1", false)
		}
		disruptions = 1
		require.NoError(t, CheckI15NoWastedWork(r.C, st), "2 + 1 disruption allows 3")
		reg(st, "n1", "n1", false)
		require.ErrorContains(t, CheckI15NoWastedWork(r.C, st), "4 REGISTERs, over its budget of 3")
		count, at := st.WorkPeak()
		require.Equal(t, 4, count)
		require.EqualValues(t, 1, at)
	})
}

// I17: a copy within one epoch, one in an epoch with no RESET, and one in
// an epoch whose RESET restarted above it fire; a copy after a RESET
// below it is explained, as a reset or as an epoch change; another
// transaction at the same commitTs is no copy.
func TestCheckI17FiresOnUnexplainedDuplicates(t *testing.T) {
	quietCluster(t, func(w *sim.World, r *Run) {
		d := r.C.Dispatchers[0]
		n := len(d.Handed)
		l := lastHanded(d)
		l.Kind = "DML"
		fresh := func(resets ...resetEntry) *CheckState {
			st := NewCheckState()
			st.of(d.ID()).dups.resets = append(append([]resetEntry(nil), r.State.of(d.ID()).dups.resets...), resets...)
			return st
		}
		again := func(epoch uint64) {
			d.Handed = d.Handed[:n]
			c := l
			c.Epoch, c.Seq = epoch, 2
			plant(d, c)
		}
		again(l.Epoch)
		require.ErrorContains(t, CheckI17DuplicatesExplained(r.C, fresh()), "twice in epoch")
		again(l.Epoch + 1)
		require.ErrorContains(t, CheckI17DuplicatesExplained(r.C, fresh()), "no RESET of epoch")
		self := r.State.of(d.ID()).resetTo
		again(l.Epoch + 1)
		require.ErrorContains(t, CheckI17DuplicatesExplained(r.C, fresh(resetEntry{l.Epoch + 1, self, l.CommitTs})), "at or above it")

		again(l.Epoch + 1)
		st := fresh(resetEntry{l.Epoch + 1, self, l.CommitTs - 1})
		require.NoError(t, CheckI17DuplicatesExplained(r.C, st))
		require.Equal(t, 1, st.Duplicates().Reset)
		require.Contains(t, st.Duplicates().Last, "reset on "+string(self))
		again(l.Epoch + 1)
		st = fresh(resetEntry{l.Epoch + 1, "n9", l.CommitTs - 1})
		require.NoError(t, CheckI17DuplicatesExplained(r.C, st))
		require.Equal(t, DuplicateCounts{EpochChange: 1, Last: st.Duplicates().Last}, st.Duplicates())
		require.Contains(t, st.Duplicates().Last, "epoch change from "+string(self))

		// Another transaction at the same commitTs (other rows), in the
		// same epoch, is not a copy (cluster.UpstreamConfig.SameTsP).
		require.NotEmpty(t, l.Rows, "the last change handed is a DML")
		d.Handed = d.Handed[:n]
		other := l
		other.Seq, other.Rows = 2, []uint64{^uint64(0)}
		plant(d, other)
		require.NoError(t, CheckI17DuplicatesExplained(r.C, fresh()))
		d.Handed = d.Handed[:n] // quietCluster's run must end clean
	})
}

// I16 reports a stall during the run, as liveness: on HEAD (no patches)
// with the schema store failing every REGISTER, every session waits for
// a Ready that never comes (PROTOCOL.md 6.3 H3) while L is up and the
// upstream moves on. The slow-RegisterTable site, also on, holds the
// intake for a while first; the watchdog does not count that.
func TestCheckI16FiresOnStall(t *testing.T) {
	cfg := sim.DefaultConfig(1)
	cfg.BuggifyP, cfg.BuggifyQ = 1, 1
	res := sim.Run(cfg, func(w *sim.World) {
		r := Start(w, cluster.DefaultConfig())
		r.Limits.StallAfter = 20 * time.Second
		r.AddTables(1, 2)
		w.Sleep(3 * time.Minute)
	})
	require.NotNil(t, res.Failure)
	require.Equal(t, sim.KindLiveness, res.Failure.Kind, "%v", res.Failure)
	require.Contains(t, res.Failure.Message, `progress "I16 checkpoints move" stalled`)
	require.Contains(t, res.Failure.Message, "has not moved for 2")

	// The same cluster with the patches and no Buggify keeps moving.
	res = sim.Run(sim.DefaultConfig(1), func(w *sim.World) {
		r := Start(w, cluster.DefaultConfig())
		r.Limits.StallAfter = 5 * time.Second
		r.AddTables(1, 2)
		w.Sleep(time.Minute)
		for _, d := range r.C.Dispatchers {
			require.True(t, r.State.of(d.ID()).watch.started, "dispatcher %s was not watched", d.ID())
		}
	})
	require.Nil(t, res.Failure, "%v", res.Failure)
}

// Run.Disruptions, I15's allowance, counts node restarts and never goes
// down, though a restarted node's collector starts its counters afresh.
func TestDisruptionsNeverDecrease(t *testing.T) {
	cfg := sim.DefaultConfig(3)
	require.NoError(t, cfg.Set("node.crash-every", "5s"))
	require.NoError(t, cfg.Set("node.restart-after", "uniform(1s,2s)"))
	var seen []uint64
	res := sim.Run(cfg, func(w *sim.World) {
		c := cluster.DefaultConfig()
		c.MemoryQuota = 1536 // memory control drops and releases too
		r := Start(w, c)
		r.AddTables(1, 8)
		w.Go("sample", func() {
			for {
				seen = append(seen, r.Disruptions())
				w.Sleep(100 * time.Millisecond)
			}
		})
		r.Faults(40*time.Second, nil)
		boots := 0
		for _, n := range r.C.Nodes() {
			boots += n.Boots - 1
		}
		require.Positive(t, boots, "no node restarted")
		require.GreaterOrEqual(t, r.Disruptions(), uint64(boots))
	})
	require.Nil(t, res.Failure, "%v", res.Failure)
	require.True(t, slices.IsSorted(seen), "Disruptions went down: %v", seen)
}
