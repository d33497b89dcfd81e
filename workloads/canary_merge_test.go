package workloads_test

import (
	"strings"
	"testing"

	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/workloads"
	"github.com/stretchr/testify/require"
)

// mergeCanarySeeds is how many seeds a canary may take to find its bug.
const mergeCanarySeeds = 200

// huntBug runs a randomized workload with the given patches and bug on over
// seeds 1..mergeCanarySeeds and stops at the first failing seed:
// found must accept that failure as the bug's, and the same seed must
// pass with the bug off, so that the detection is the bug's. It returns
// the seed.
func huntBug(t *testing.T, bug, patches string, body func(*sim.World), found func(*sim.Failure) bool) uint64 {
	t.Helper()
	config := func(seed uint64, bug string) sim.Config {
		cfg := sim.DeriveConfig(seed)
		require.NoError(t, cfg.Set("patch", patches))
		require.NoError(t, cfg.Set("bug", bug))
		// Crashes only: the canaries keep the seeds they were measured on.
		require.NoError(t, cfg.Set("node.graceful-stop", "0"))
		return cfg
	}
	for seed := uint64(1); seed <= mergeCanarySeeds; seed++ {
		res := sim.Run(config(seed, bug), body)
		if res.Failure == nil {
			continue
		}
		require.True(t, found(res.Failure), "seed %d failed, but not as bug %s does: %s", seed, bug, res.Failure.Report())
		off := sim.Run(config(seed, ""), body)
		require.Nil(t, off.Failure, "seed %d also fails with bug %s off: %v", seed, bug, off.Failure)
		t.Logf("bug %s found at seed %d (%d seeds): %s", bug, seed, seed, res.Failure)
		return seed
	}
	t.Fatalf("bug %s not found within %d seeds", bug, mergeCanarySeeds)
	return 0
}

// mergeBody is TestMerge's body.
func mergeBody(w *sim.World) { workloads.RunMerge(w, workloads.DefaultMergeOptions()) }

// PROTOCOL.md 6.1 F3: with the one-shot ready callback left set, a merged
// dispatcher keeps it after its commit, and I13's snapshot rule (a
// callback still set at an epoch above 0) fires as soon as the first
// merge of the run commits. Without that rule the bug would only show
// once L loses the committed record (a heartbeat sweep: MergeOptions.
// HeartbeatTimeout) and T3 calls the callback again without a RESET, a
// stall for the liveness goal; the canary accepts either. Patch h4 is
// off here: it clears the callback at the commit, which fixes F3 too
// (the reviewer's proposal of 6.1 F3), so with it on the bug cannot show.
func TestCanaryF3CallbackKept(t *testing.T) {
	if sim.Describing() {
		t.Skip("not a workload")
	}
	huntBug(t, "f3-callback-kept", "h1,h3", mergeBody, func(f *sim.Failure) bool {
		return f.Kind == sim.KindLiveness || f.Kind == sim.KindSafety && strings.Contains(f.Message, "I13")
	})
}

// PROTOCOL.md 6.1 F4: with merged dispatchers asking the coordinator for
// remote candidates, a merged dispatcher whose remote Ready beats its
// local one accepts the remote while its callback is set, and the
// collector panics. The merge workload makes that race likely: data
// sharing on and whole-table replicas on the other nodes give the
// coordinator initialised candidates covering every merged span, whose
// Ready (on the remote's next resolved-ts notification) comes at the
// same tick as the local one.
func TestCanaryF4ProbeDuringMerge(t *testing.T) {
	if sim.Describing() {
		t.Skip("not a workload")
	}
	huntBug(t, "f4-probe-during-merge", "h1,h3,h4", mergeBody, func(f *sim.Failure) bool {
		return f.Kind == sim.KindPanic && strings.Contains(f.Message, "ready callback should be nil when accepting remote ready")
	})
}
