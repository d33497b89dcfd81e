package workloads

import (
	"fmt"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/collector"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/stretchr/testify/require"
)

// I18-I20 stay silent on a clean run and looked at its areas: every
// node's collector has one, none idle, none over its quota.
func TestMemoryOraclesSilentOnCleanRun(t *testing.T) {
	quietCluster(t, func(w *sim.World, r *Run) {
		require.NoError(t, CheckI18MemoryRecovers(r.C, r.State))
		require.NoError(t, CheckI19PathsServed(r.C, r.State))
		require.NoError(t, CheckI20ReleaseFollowsPressure(r.C, r.State))
		require.NotEmpty(t, r.State.memory.areas, "no area was looked at")
		over, _ := r.State.MemoryPeaks()
		require.Zero(t, over)
	})
}

// Each fires on a planted area snapshot: I19 on an idle path at once,
// I18 on an area over its quota for longer than MemoryRecover (not on
// one that came back in time), I20 on a release of an area never under
// pressure and on one long after its pressure (not on one right after,
// nor in a run whose MemoryPressure fault site fakes pressure).
func TestMemoryOraclesFireOnPlantedAreas(t *testing.T) {
	quietCluster(t, func(w *sim.World, r *Run) {
		fresh := func() *CheckState {
			st := NewCheckState()
			st.now = w.Now
			*st.limits = Limits{MemoryRecover: 10 * time.Second, ReleaseAfterPressure: 2 * time.Second}
			st.memory.init()
			return st
		}
		k := areaKey{cf: "cf"}
		t0 := w.Now()
		at := func(st *CheckState, d time.Duration, a collector.AreaSnapshot) {
			clear(st.memory.seen)
			w := st.memory.areas[k]
			if w == nil {
				w = &areaWatch{}
				st.memory.areas[k] = w
			}
			st.judgeArea("n1", k, w, a, t0.Add(d))
			st.memory.over, st.memory.seen = st.memory.seen, st.memory.over
		}
		area := collector.AreaSnapshot{Changefeed: "cf", Quota: 1000}

		st := fresh()
		idle := area
		idle.Idle, idle.FirstIdle = 1, 7
		at(st, 0, idle)
		require.ErrorContains(t, st.memory.i19, "path of d7 (and 0 more) holds queued events")

		st = fresh()
		over := area
		over.Pending = 1200
		at(st, 0, over)
		at(st, 9*time.Second, over)
		at(st, 9500*time.Millisecond, area) // back under its quota
		at(st, 11*time.Second, over)
		require.NoError(t, st.memory.i18, "the clock restarts when the area comes back")
		at(st, 22*time.Second, over)
		require.ErrorContains(t, st.memory.i18, "1200 bytes pending against a quota of 1000 for 11s")

		released := area
		released.Releases = 1
		st = fresh()
		at(st, 0, released)
		require.ErrorContains(t, st.memory.i20, "never under pressure")
		st = fresh()
		pressed := area
		pressed.Pending = 600 // 60 %: the stuck detector's threshold
		at(st, 0, pressed)
		at(st, time.Second, released)
		require.NoError(t, st.memory.i20)
		released.Releases = 2
		at(st, 4*time.Second, released)
		require.ErrorContains(t, st.memory.i20, "last under pressure 4s ago")
		st = fresh()
		st.memory.fakePressure = true
		at(st, 0, released)
		require.NoError(t, st.memory.i20, "the fault site may ask for a release at any usage")
	})
}

// The look reads a collector's areas again only when its guard was taken
// since (collector.EventCollector.Generation): after every step of a run
// under memory pressure and faults, what each look holds for a running
// node equals a fresh read, so the rules judged what the areas hold. A
// write to an area or path outside the collector's guard would show here.
func TestMemoryLookReusesOnlyUnchangedAreas(t *testing.T) {
	if sim.Describing() {
		t.Skip("a test of the checkers, not a workload: dst does not sweep it")
	}
	var reused, looks int
	sim.Test(t, func(w *sim.World) {
		cfg := cluster.DefaultConfig()
		cfg.MemoryQuota = 1536
		cfg.Upstream.MaxRows = 8
		r := Start(w, cfg)
		var fresh []collector.AreaSnapshot
		gens := map[*collector.EventCollector]uint64{}
		w.Invariant("memory look is current", 1, func() error {
			r.State.lookAtMemory(r.C)
			for i, n := range r.C.Nodes() {
				l := r.State.memory.colls[i]
				if n.Collector == nil || l.coll != n.Collector {
					continue
				}
				looks++
				if gens[l.coll] == l.gen {
					reused++
				}
				gens[l.coll] = l.gen
				fresh = n.Collector.AppendAreas(fresh[:0])
				l.gen = n.Collector.Generation() // the fresh read took the guard, not the model
				r.State.memory.colls[i].gen = l.gen
				gens[l.coll] = l.gen
				if fmt.Sprint(fresh) != fmt.Sprint(l.areas) {
					return fmt.Errorf("node %s: the look holds %v, the collector %v", n.ID, l.areas, fresh)
				}
			}
			return nil
		})
		r.AddTables(1, 8)
		r.Faults(20*time.Second, nil)
	}, sim.Seeds(2), sim.Configure(Patched))
	t.Logf("%d of %d looks reused the previous read", reused, looks)
	require.Positive(t, reused, "no look was skipped: the test shows nothing")
	require.Less(t, reused, looks, "no look read the areas")
}
