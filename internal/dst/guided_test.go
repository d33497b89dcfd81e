package dst

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cdcsim/cdcsim/sim"
	"github.com/stretchr/testify/require"
)

// guidedRecords is a fixture of plain records: every seed reaches
// "common", seeds 2 and 5 also "rare/a", seed 5 "rare/b" too.
func guidedRecords() []Record {
	var out []Record
	for seed := uint64(1); seed <= 6; seed++ {
		r := Record{JSONResult: sim.JSONResult{Test: "TestA", Seed: seed, Outcome: "pass",
			Cover: map[string]uint64{"common": 1}, Config: sim.ConfigPins(sim.DeriveConfig(seed))}}
		if seed == 2 || seed == 5 {
			r.Cover["rare/a"] = 1
		}
		if seed == 5 {
			r.Cover["rare/b"] = 4
		}
		out = append(out, r)
	}
	return out
}

// The corpus keeps the runs that reached a point at most RareSeeds seeds
// reached; a child is its parent's configuration with one to three
// mutable keys redrawn and a fresh seed; the same start seed and the same
// records give the same children.
func TestGuidedCorpusAndMutation(t *testing.T) {
	run := func() ([]Chunk, *Guided) {
		g := NewGuided(42)
		for _, r := range guidedRecords() {
			g.Observe(&r)
		}
		var got []Chunk
		for range 20 {
			c, ok := g.Next()
			require.True(t, ok)
			got = append(got, c)
		}
		return got, g
	}
	a, g := run()
	b, _ := run()
	require.Equal(t, a, b, "same start and records, same children")

	gw := g.byWL["TestA"]
	var corpus []uint64
	for _, e := range gw.corpus {
		corpus = append(corpus, e.Seed)
	}
	// Seed 1 reached "common" first (rare then), seed 2 too, and
	// "rare/a"; seed 5 "rare/a" (second seed: still rare) and "rare/b".
	require.Equal(t, []uint64{1, 2, 5}, corpus)
	require.Equal(t, []string{"rare/a", "rare/b"}, gw.corpus[2].Rare)
	require.Greater(t, gw.energy(gw.corpus[2]), gw.energy(gw.corpus[0]), "seed 5 pulls hardest")

	parents := map[uint64]int{}
	for _, c := range a {
		require.Equal(t, "TestA", c.Workload)
		require.Equal(t, 1, c.Count)
		parents[c.Parent]++
		parent := gw.corpus[slices.IndexFunc(gw.corpus, func(e *corpusEntry) bool { return e.Seed == c.Parent })]
		changed := 0
		for i, kv := range c.Pins {
			k, _, _ := strings.Cut(kv, "=")
			require.Contains(t, MutableKeys(), k)
			if kv != parent.Config[i] {
				changed++
			}
		}
		require.Len(t, c.Pins, len(parent.Config))
		require.LessOrEqual(t, changed, 3)
		cfg := sim.DeriveConfig(c.Start)
		require.NoError(t, sim.Pins(c.Pins).Apply(&cfg), "a child's pins apply")
		require.NoError(t, cfg.Validate())
	}
	require.Greater(t, parents[5], parents[1], "the power schedule favours the rarest parent: %v", parents)

	other := NewGuided(43)
	for _, r := range guidedRecords() {
		other.Observe(&r)
	}
	c, _ := other.Next()
	require.NotEqual(t, a[0].Start, c.Start, "another start seed draws other children")
}

// Mutable keys are the swarm's: never the seed, budgets, variants or
// the preset label.
func TestMutableKeys(t *testing.T) {
	keys := MutableKeys()
	require.Contains(t, keys, "strategy")
	require.Contains(t, keys, "net.drop")
	require.Contains(t, keys, "node.crash-every")
	for _, k := range []string{"seed", "bug", "patch", "faults", "budget.steps", "budget.wall"} {
		require.NotContains(t, keys, k)
	}
}

// dst run --guided with one process is deterministic: two sweeps from
// one start seed record the same runs in the same order, children
// included, and a child's replay line reproduces its hash.
func TestGuidedSweepDeterministic(t *testing.T) {
	var path string
	sweep := func() []Record {
		path = t.TempDir() + "/g.jsonl"
		code, out, errOut := dst(t, "run", "--pkg", fixture, "--workload", "^TestFixture$", "--seed-start", "100",
			"--seeds", "12", "--guided", "--parallel", "1", "--json", path)
		require.Contains(t, []int{ExitClean, ExitFailures}, code, out+errOut)
		require.Contains(t, out, "guided children")
		_, recs, err := ReadReport(path)
		require.NoError(t, err)
		return recs
	}
	a, b := sweep(), sweep()
	key := func(rs []Record) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Test+" "+r.Hash+" "+strings.Join(r.Pins, ","))
		}
		return out
	}
	require.Equal(t, key(a), key(b))
	i := slices.IndexFunc(a, func(r Record) bool { return len(r.Pins) > 0 })
	require.GreaterOrEqual(t, i, 0, "no guided child ran")
	require.NotZero(t, a[i].Parent)
	for _, pin := range a[i].Pins {
		require.Contains(t, a[i].Config, pin, "the child ran with its pins")
	}
	plain := slices.DeleteFunc(slices.Clone(a), func(r Record) bool { return len(r.Pins) > 0 })
	require.Len(t, plain, 12, "the plan's seeds all ran, besides the children")

	code, out, errOut := dst(t, "replay", "--results", path, "--workload", "TestFixture", "--seed", fmt.Sprint(a[i].Seed))
	require.Equal(t, ExitClean, code, out+errOut)
	require.Contains(t, out, "hash matches", "the child's pins were not applied")
}
