package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// coveredProgram is gossipProgram under the harsh preset with Buggify on
// every site, plus one point and two Sometimes of its own, so that every
// kind of coverage the kernel records shows up.
func coveredProgram(w *World) {
	w.Sometimes("test/never", false)
	w.Sometimes("test/always", true)
	w.Go("buggify", func() {
		for range 100 {
			w.Cover("test/loop")
			if w.Buggify("test-site") {
				w.Sometimes("test/buggified", true)
			}
			w.Sleep(time.Second)
		}
	})
	gossipProgram(w, func(string, string) bool { return true })
}

func coveredConfig(seed uint64) Config {
	c := harshConfig(seed)
	c.BuggifyP, c.BuggifyQ = 1, 0.5
	return c
}

// Observations never decide: a run hashes the same with coverage on and
// off, and the coverage of two runs of one seed is the same.
func TestCoverageLeavesHashAlone(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		on := Run(coveredConfig(seed), coveredProgram)
		w := New(coveredConfig(seed))
		w.SetCoverage(false)
		off := w.Run(func() { coveredProgram(w) })
		require.Equal(t, on.Hash, off.Hash, "seed %d: coverage moved the hash", seed)
		require.NotEmpty(t, on.Coverage)
		require.Empty(t, off.Coverage)
		again := Run(coveredConfig(seed), coveredProgram)
		require.Equal(t, on.Coverage, again.Coverage, "seed %d: coverage differs between two runs", seed)
	}
}

// The kernel's own points are counted: a point the program records, the
// Buggify site that fired, crashes, restarts and network faults.
func TestCoverageCountsPoints(t *testing.T) {
	res := Run(coveredConfig(1), coveredProgram)
	hits := map[string]uint64{}
	for _, p := range res.Coverage {
		hits[p.Name] = p.Hits
	}
	require.EqualValues(t, 100, hits["test/loop"], "one hit per loop turn")
	require.Greater(t, hits["buggify/test-site"], uint64(0))
	require.Less(t, hits["buggify/test-site"], uint64(100), "fires on about half the turns")
	var net int
	for name := range hits {
		if strings.HasPrefix(name, "net/") {
			require.Regexp(t, `^net/(drop|dup|delay|partition|clog|down|congested|not-ready|full)/hb$`, name)
			net++
		}
	}
	require.GreaterOrEqual(t, net, 3, "harsh faults reach several kinds: %v", hits)
	if hits["node/crash"] > 0 {
		require.Greater(t, hits["node/restart"], uint64(0), "a crashed node restarts at the heal")
	}
	require.IsIncreasing(t, names(res.Coverage), "sorted by name")
}

func names(ps []CoverPoint) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

// Sometimes records every name asked, reached or not, and does not fail
// the run.
func TestSometimesReachedAndUnreached(t *testing.T) {
	res := Run(coveredConfig(1), coveredProgram)
	require.Nil(t, res.Failure)
	got := SometimesMap(res.Sometimes)
	require.Equal(t, false, got["test/never"])
	require.Equal(t, true, got["test/always"])
	require.Equal(t, true, got["test/buggified"])
	require.Len(t, got, 3)
}

func TestHarnessHelperCovered(t *testing.T) {
	helperOnly(t)
	Test(t, coveredProgram, Seeds(2), Configure(func(c *Config) { *c = coveredConfig(c.Seed) }))
}

// The -sim.json line carries the run's coverage and Sometimes outcomes,
// and with -sim.json-config its configuration, which pins back to the
// same run.
func TestHarnessJSONCoverage(t *testing.T) {
	js := t.TempDir() + "/r.jsonl"
	out, code := runSelf(t, "-test.run=^TestHarnessHelperCovered$", "-sim.json="+js, "-sim.json-config")
	require.Equal(t, 0, code, out)
	lines := readJSON(t, js)
	require.Len(t, lines, 2)
	for _, l := range lines {
		require.Equal(t, JSONVersion, l.Version)
		require.EqualValues(t, 100, l.Cover["test/loop"])
		require.Equal(t, map[string]bool{"test/never": false, "test/always": true, "test/buggified": true}, l.Sometimes)
		cfg := DeriveConfig(l.Seed)
		require.NoError(t, Pins(l.Config).Apply(&cfg))
		require.Equal(t, coveredConfig(l.Seed).String(), cfg.String(), "the config pins back")
	}
}

// A hit on a point seen before allocates nothing: the hot path is a map
// lookup with the caller's string and an increment.
func TestCoverDoesNotAllocate(t *testing.T) {
	w := New(DefaultConfig(1))
	points := []string{"session/T10/OnLocal", "net/drop/event", "eventservice/heartbeat/accepted"}
	for _, p := range points {
		w.Cover(p)
	}
	allocs := testing.AllocsPerRun(1000, func() {
		for _, p := range points {
			w.Cover(p)
		}
	})
	require.Zero(t, allocs)
	require.EqualValues(t, 1002, w.Covered("net/drop/event"), "one warm-up hit, AllocsPerRun's warm-up run and 1000 runs")
}

func BenchmarkCover(b *testing.B) {
	w := New(DefaultConfig(1))
	points := []string{"session/T10/OnLocal", "net/drop/event", "eventservice/heartbeat/accepted", "node/crash"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		w.Cover(points[i&3])
	}
}
