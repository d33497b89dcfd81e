package cluster_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/fault"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/stretchr/testify/require"
)

// sitesOf runs the model (every patch on, no other fault) with pins and
// returns what each fault site did and the run's failure (a panic: the
// model's assertions; liveness is the workloads' business).
func sitesOf(t *testing.T, seed uint64, pins sim.Pins, slowSink bool) (map[string]sim.SiteStat, *sim.Failure) {
	return sitesOfChurn(t, seed, pins, slowSink, false)
}

// sitesOfChurn is sitesOf; with churn, every two seconds of the faults
// phase one table's dispatcher is removed and added again from its
// checkpoint, so that REMOVEs and RESETs meet scans under way.
func sitesOfChurn(t *testing.T, seed uint64, pins sim.Pins, slowSink, churn bool) (map[string]sim.SiteStat, *sim.Failure) {
	t.Helper()
	c := sim.DeriveConfig(seed)
	allPatches(&c)
	require.NoError(t, append(sim.Pins{"faults=none"}, pins...).Apply(&c))
	var w *sim.World
	res := sim.Run(c, func(ww *sim.World) {
		w = ww
		cfg := cluster.DefaultConfig()
		cfg.Variants, cfg.Trace = w.Config().Variants, w.TraceFunc()
		if slowSink {
			// A small quota and a slow sink: paths block and releases happen.
			cfg.MemoryQuota, cfg.Upstream.MaxRows = 1536, 8
			cfg.SinkFlush = network.LongTail(60*time.Millisecond, 4*time.Second)
		}
		cl := cluster.New(w, w.Network(), func(name string, boot func()) { w.NewNode(name, boot) }, cfg)
		w.Sleep(time.Second)
		var ds []*cluster.Dispatcher
		for table := int64(1); table <= 4; table++ {
			ds = append(ds, cl.AddDispatcher(cl.Nodes()[int(table)%len(cl.Nodes())], cl.TableSpan(table), cluster.TsAt(w.Now())))
		}
		w.StartFaults()
		if churn {
			for i := range 30 {
				w.Sleep(2 * time.Second)
				d := ds[i%len(ds)]
				cl.RemoveDispatcher(d)
				ds[i%len(ds)] = cl.AddDispatcher(cl.Node(d.Node()), d.Span(), d.CheckpointTs())
			}
		} else {
			w.Sleep(time.Minute)
		}
		w.Heal()
		w.Sleep(30 * time.Second)
	})
	out := map[string]sim.SiteStat{}
	for _, st := range w.BuggifySites() {
		out[st.Name] = st
	}
	return out, res.Failure
}

// testRate is the rate a site is pinned at here: its own, or one that
// fires often enough in a minute for the sites without one.
func testRate(info fault.Info) float64 {
	if info.Rate > 0 {
		return info.Rate
	}
	return 0.5
}

// Each site of the table fires when pinned on, the model stays clean
// (every patch on), and no site fires when it is pinned off or under
// faults=none. A late release needs a release of a blocked path, so it
// runs with memory pressure on, a small quota and a slow sink; a failed
// cleanup needs a scan under way when its record is removed or reset, so
// it runs with slow reads and dispatchers removed and added again.
func TestFaultSitesFireOnlyWhenPinnedOn(t *testing.T) {
	none, failure := sitesOf(t, 1, nil, false)
	require.Nil(t, failure)
	for name, st := range none {
		require.Zero(t, st.Fired, "%s fired under faults=none", name)
	}
	for _, info := range fault.Sites() {
		t.Run(info.Name, func(t *testing.T) {
			key := "fault." + info.Name
			pins := sim.Pins{key + "=" + formatRate(testRate(info))}
			slow, churn := info.Name == fault.ReleaseLate, info.Name == fault.CleanupFails
			if slow {
				pins = append(pins, "fault."+fault.MemoryPressure+"=0.05")
			}
			if churn { // a cleanup needs a scan under way when its record goes
				pins = append(pins, "fault."+fault.ScanReadSlow+"=0.5")
			}
			fired := uint64(0)
			for seed := uint64(1); seed <= 3 && fired == 0; seed++ {
				on, failure := sitesOfChurn(t, seed, pins, slow, churn)
				require.Nil(t, failure, "seed %d with %v", seed, pins)
				fired += on[info.Name].Fired
			}
			require.NotZero(t, fired, "%s never fired when pinned on", info.Name)
			off, failure := sitesOfChurn(t, 1, append(pins, key+"=0"), slow, churn)
			require.Nil(t, failure)
			require.Zero(t, off[info.Name].Fired, "%s fired when pinned off", info.Name)
		})
	}
}

func formatRate(r float64) string { return strconv.FormatFloat(r, 'g', -1, 64) }

// How often the swarm switches each site on and how often an enabled
// site fires, over the first seeds of the model under the swarm's faults
// (every patch on): logged with -v, the figures of the fault package's
// report. Every site must be on for some seed and fire where it is on and
// reached often enough.
func TestFaultSiteActivity(t *testing.T) {
	const seeds = 20
	type tally struct{ on, reached, fired uint64 }
	sum := map[string]*tally{}
	for _, info := range fault.Sites() {
		sum[info.Name] = &tally{}
	}
	for seed := uint64(1); seed <= seeds; seed++ {
		c := sim.DeriveConfig(seed)
		allPatches(&c)
		var w *sim.World
		res := sim.Run(c, func(ww *sim.World) { w = ww; faultedRun(w, 8, 3*time.Minute) })
		require.Nil(t, res.Failure, "seed %d", seed)
		for _, info := range fault.Sites() {
			if c.SiteRate(info.Name) > 0 {
				sum[info.Name].on++
			}
		}
		for _, st := range w.BuggifySites() {
			if s := sum[st.Name]; s != nil && st.On {
				s.reached += st.Reached
				s.fired += st.Fired
			}
		}
	}
	for _, info := range fault.Sites() {
		s := sum[info.Name]
		t.Logf("%-40s on %2d/%d seeds, reached %8.1f and fired %6.1f times per seed where on",
			info.Name, s.on, seeds, float64(s.reached)/float64(max(s.on, 1)), float64(s.fired)/float64(max(s.on, 1)))
		require.NotZero(t, s.on, "%s is on for none of the first %d seeds", info.Name, seeds)
		if float64(s.reached)*max(info.Rate, 0.05) >= 20 {
			require.NotZero(t, s.fired, "%s reached %d times where on and never fired", info.Name, s.reached)
		}
	}
}

// A lasting fault ends at the heal: with a stall started at every tick
// (or every new subscription lagging), some table's resolved ts (or some
// subscription's) is behind the clock before the heal, and none is a
// moment after it.
func TestLastingFaultsEndAtTheHeal(t *testing.T) {
	for _, site := range []string{fault.ResolvedStall, fault.SubscriptionLag} {
		t.Run(site, func(t *testing.T) {
			c := sim.DeriveConfig(1)
			allPatches(&c)
			require.NoError(t, sim.Pins{"faults=none", "fault." + site + "=1"}.Apply(&c))
			res := sim.Run(c, func(w *sim.World) {
				cl := cluster.New(w, w.Network(), func(name string, boot func()) { w.NewNode(name, boot) }, cluster.DefaultConfig())
				w.StartFaults()
				w.Sleep(5 * time.Second)
				for table := int64(1); table <= 4; table++ {
					cl.AddDispatcher(cl.Nodes()[int(table)%len(cl.Nodes())], cl.TableSpan(table), cluster.TsAt(w.Now()))
				}
				w.Sleep(3 * time.Second)
				require.NotZero(t, behind(w, cl), "nothing behind before the heal")
				w.Heal()
				w.Sleep(500 * time.Millisecond)
				require.Zero(t, behind(w, cl), "still behind after the heal")
			})
			require.Nil(t, res.Failure)
		})
	}
}

// behind counts the tables and subscriptions whose resolved ts is more
// than a second behind the clock.
func behind(w *sim.World, cl *cluster.Cluster) (n int) {
	now := cluster.TsAt(w.Now())
	for table := int64(1); table <= 4; table++ {
		if cl.Upstream.ResolvedTs(cl.TableSpan(table))+cluster.TsPerSecond < now {
			n++
		}
	}
	for _, node := range cl.Nodes() {
		for _, s := range node.Service.Subscriptions() {
			if s.ResolvedTs+cluster.TsPerSecond < now {
				n++
			}
		}
	}
	return n
}
