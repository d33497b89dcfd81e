package dst

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A mutant that passed every seed is killed when a workload loses a
// Sometimes the unmutated model reached on at least a third of its seeds;
// a rarer one, or one the mutant reached once, does not kill.
func TestLostSometimesKills(t *testing.T) {
	r := &mutantRunner{workloads: []string{"TestA", "TestB"}, seeds: 30, start: 1, pins: []string{"x=1"},
		sometimes: sometimesBaseline{
			"TestA": {"rare race": {4, 9}},                                       // 2 of 30: rare by nature
			"TestB": {"remote serves": seq(3, 12), "probe moves on": seq(1, 10)}, // 12 and 10 of 30
		}}
	res := &MutantResult{Outcome: OutcomeSurvived}
	r.lostSometimes(r.workloads, map[string]map[string]bool{"TestB": {"probe moves on": true, "remote serves": true}}, res)
	require.Equal(t, OutcomeSurvived, res.Outcome, "nothing often reached was lost")

	r.lostSometimes(r.workloads, map[string]map[string]bool{"TestB": {"remote serves": true}}, res)
	require.Equal(t, OutcomeKilled, res.Outcome)
	require.Equal(t, KindSometimes, res.Kind)
	require.Equal(t, "TestB", res.Workload)
	require.Equal(t, uint64(1), res.Seed, "the first seed on which the unmutated model reached it")
	require.Equal(t, `Sometimes "probe moves on": the unmutated model reaches it on 10 of seeds 1..30 (first 1), the mutant on none`, res.Message)
	require.Equal(t, []string{"x=1"}, res.Set)

	r.sometimes = nil
	res = &MutantResult{Outcome: OutcomeSurvived}
	r.lostSometimes(r.workloads, nil, res)
	require.Equal(t, OutcomeSurvived, res.Outcome, "no baseline, no verdict")
}

func seq(from uint64, n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = from + uint64(i)
	}
	return out
}
