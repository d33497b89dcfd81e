package workloads_test

import (
	"strings"
	"testing"

	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/workloads"
	"github.com/stretchr/testify/require"
)

// heartbeatConfig is TestHeartbeat's configuration of a seed, with the
// given bug variants on (patches as in TestHeartbeat).
func heartbeatConfig(t *testing.T, seed uint64, bugs string) sim.Config {
	cfg := sim.DeriveConfig(seed)
	workloads.HeartbeatFaults(&cfg)
	workloads.Patched(&cfg)
	require.NoError(t, cfg.Set("bug", bugs))
	// Crashes only: the canaries keep the seeds they were measured on.
	require.NoError(t, cfg.Set("node.graceful-stop", "0"))
	return cfg
}

// findBug runs the heartbeat workload with bug on over seeds 1..200 and
// returns the first failing seed and its failure; it fails the test if
// no seed fails, or if the first failure is not the bug's (isBug), or if
// that seed does not pass with the bug off.
func findBug(t *testing.T, bug string, isBug func(*sim.Failure) bool) {
	t.Helper()
	for seed := uint64(1); seed <= 200; seed++ {
		res := sim.Run(heartbeatConfig(t, seed, bug), workloads.RunHeartbeat)
		if res.Failure == nil {
			continue
		}
		require.True(t, isBug(res.Failure), "seed %d: not %s's failure: %v", seed, bug, res.Failure)
		require.Nil(t, sim.Run(heartbeatConfig(t, seed, ""), workloads.RunHeartbeat).Failure,
			"seed %d fails with %s off too", seed, bug)
		t.Logf("%s found at seed %d (%d seeds): %v", bug, seed, seed, res.Failure)
		return
	}
	t.Fatalf("%s not found within 200 seeds", bug)
}

// f1-retry-unlocked (PROTOCOL.md 6.1 F1): the Removed check and the retry
// run under different lock scopes, so a RemoveDispatcher in between makes
// the retry panic (trigger A), or L's Ready in between makes it register
// again to a healthy L (trigger B: a duplicate registration, an I1-class
// request stream symptom or a stall).
func TestCanaryHeartbeatF1RetryUnlocked(t *testing.T) {
	if sim.Describing() {
		t.Skip("not a workload")
	}
	findBug(t, "f1-retry-unlocked", func(f *sim.Failure) bool {
		return f.Kind == sim.KindPanic && strings.Contains(f.Message, "current event service should not be empty") ||
			f.Kind == sim.KindSafety && strings.Contains(f.Message, `"I1 no request after remove"`)
	})
}

// f2-retry-removed (6.1 F2): a Removed response after RemoveDispatcher
// re-registers the removed session: REGISTER after REMOVE (I1).
func TestCanaryHeartbeatF2RetryRemoved(t *testing.T) {
	if sim.Describing() {
		t.Skip("not a workload")
	}
	findBug(t, "f2-retry-removed", func(f *sim.Failure) bool {
		return f.Kind == sim.KindSafety && strings.Contains(f.Message, `"I1 no request after remove"`) && strings.Contains(f.Message, "REGISTER")
	})
}
