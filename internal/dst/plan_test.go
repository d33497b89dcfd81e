package dst

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// seedsOf drains a cursor into the seeds it hands out, per workload.
func seedsOf(t *testing.T, p Plan, done Done, limit int) map[string][]uint64 {
	t.Helper()
	out := map[string][]uint64{}
	c := NewCursor(&p, done)
	for n := 0; n < limit; n++ {
		ch, ok := c.Next()
		if !ok {
			break
		}
		require.Positive(t, ch.Count)
		for i := range ch.Count {
			out[ch.Workload] = append(out[ch.Workload], ch.Start+uint64(i))
		}
	}
	return out
}

// n shards of a bounded plan hand out every seed of every workload
// exactly once between them, whatever the number of workloads and
// shards, and Total counts a shard's seeds.
func TestShardsPartitionThePlan(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4, 7} {
		for _, workloads := range [][]string{{"A"}, {"A", "B", "C", "D"}} {
			count := map[string]map[uint64]int{}
			for i := range n {
				p := Plan{Workloads: workloads, Start: 1000, Seeds: 53, Block: 8, Shard: Shard{I: i, N: n}}
				got := seedsOf(t, p, Done{}, 1000)
				total := 0
				for w, seeds := range got {
					total += len(seeds)
					for _, s := range seeds {
						if count[w] == nil {
							count[w] = map[uint64]int{}
						}
						count[w][s]++
					}
				}
				require.Equal(t, p.Total(), total, "shard %d/%d", i, n)
			}
			for _, w := range workloads {
				require.Len(t, count[w], 53, "%d shards, workload %s", n, w)
				for s := uint64(1000); s < 1053; s++ {
					require.Equal(t, 1, count[w][s], "%d shards: seed %d of %s", n, s, w)
				}
			}
		}
	}
}

// An open-ended plan goes round robin over the workloads, block by block,
// and with as many workloads as shards every shard still gets every
// workload.
func TestOpenPlanRoundRobin(t *testing.T) {
	p := Plan{Workloads: []string{"A", "B"}, Start: 1, Block: 2}
	c := NewCursor(&p, Done{})
	var got []Chunk
	for range 4 {
		ch, ok := c.Next()
		require.True(t, ok)
		got = append(got, ch)
	}
	require.Equal(t, []Chunk{{Workload: "A", Start: 1, Count: 2}, {Workload: "B", Start: 1, Count: 2}, {Workload: "A", Start: 3, Count: 2}, {Workload: "B", Start: 3, Count: 2}}, got)

	p = Plan{Workloads: []string{"A", "B"}, Start: 1, Block: 2, Shard: Shard{I: 1, N: 2}}
	got2 := seedsOf(t, p, Done{}, 4)
	require.Equal(t, []uint64{3, 4, 7, 8}, got2["A"])
	require.Equal(t, []uint64{1, 2, 5, 6}, got2["B"])
}

// Seeds already recorded are skipped, and a block with holes is handed
// out as the runs of seeds it is missing.
func TestCursorSkipsDoneSeeds(t *testing.T) {
	done := Done{}
	for _, s := range []uint64{1, 2, 4, 7, 8, 9} {
		done.Add("A", s)
	}
	require.False(t, done.Add("A", 4))
	p := Plan{Workloads: []string{"A"}, Start: 1, Seeds: 10, Block: 5}
	c := NewCursor(&p, done)
	var got []Chunk
	for {
		ch, ok := c.Next()
		if !ok {
			break
		}
		got = append(got, ch)
	}
	require.Equal(t, []Chunk{{Workload: "A", Start: 3, Count: 1}, {Workload: "A", Start: 5, Count: 1}, {Workload: "A", Start: 6, Count: 1}, {Workload: "A", Start: 10, Count: 1}}, got)
}

func TestParseShard(t *testing.T) {
	s, err := ParseShard("3/4")
	require.NoError(t, err)
	require.Equal(t, Shard{I: 3, N: 4}, s)
	require.Equal(t, "3/4", s.String())
	for _, bad := range []string{"5/4", "4/4", "-1/4", "1/0", "x/4", "1"} {
		_, err := ParseShard(bad)
		require.Error(t, err, bad)
		require.IsType(t, &UsageError{}, err)
	}
}
