package dst

import (
	"fmt"
	"maps"
	"slices"
)

// Sometimes as a sweep oracle. A workload's Sometimes assertions
// (sim.World.Sometimes) name things its sweep must make happen: a remote
// serves a dispatcher, a probe moves on after NotReusable, a lost
// registration is retried. A mutant that passes every seed's checks but
// makes one of them disappear from a workload has lost a step of the
// lifecycle without breaking an invariant: TiCDC with that change would
// still run, but no dispatcher would ever, say, move to a remote. So
// when the unmutated model's sweep over the same seeds (dst mutate's
// coverage sweep) reached a Sometimes on at least a third of a
// workload's seeds, and the mutant's sweep reached it on none, the
// mutant is killed with kind "sometimes". The third keeps out what is
// rare by nature (a race that one seed in thirty hits), which a mutant
// may miss only because it moved the schedule.

// KindSometimes is the kind of a kill by a lost Sometimes.
const KindSometimes = "sometimes"

// sometimesQuorum is the share of a workload's seeds on which the
// unmutated model must reach a Sometimes for its loss to kill.
const sometimesQuorum = 3 // one seed in three

// lostSometimes marks res killed when a workload of the mutant's sweep,
// which passed every seed, reached none of the seeds that reached a
// Sometimes in the baseline often enough. ws are the workloads swept: one
// left out by coverage ran as the baseline did and lost nothing. Workloads are checked in the
// sweep's order and names in sorted order, so the same mutant is
// reported the same way every time.
func (r *mutantRunner) lostSometimes(ws []string, reached map[string]map[string]bool, res *MutantResult) {
	if r.sometimes == nil {
		return
	}
	for _, w := range ws {
		base := r.sometimes[w]
		for _, name := range slices.Sorted(maps.Keys(base)) {
			seeds := base[name]
			if len(seeds)*sometimesQuorum < r.seeds || reached[w][name] {
				continue
			}
			res.Outcome, res.Workload, res.Seed, res.Kind = OutcomeKilled, w, seeds[0], KindSometimes
			res.Message = fmt.Sprintf("Sometimes %q: the unmutated model reaches it on %d of seeds %d..%d (first %d), the mutant on none",
				name, len(seeds), r.start, r.start+uint64(r.seeds)-1, seeds[0])
			res.Set = r.pins
			return
		}
	}
}
