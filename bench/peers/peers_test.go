package peers_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cdcsim/cdcsim/bench/peers"
)

// The peers' tests. Plain `go test ./...` runs only the smoke tests (one
// short real run of the F3 scenario on the wall clock and one in a
// synctest bubble, a few seconds in all; skipped with -short). The
// measurement itself runs through bench/peers/run.sh: TestPeersTable
// drives it, and TestHunt is the worker it starts once per tool and
// attempt (both skip unless their environment variable is set).

// TestSmokeStress: a real run of the merge scenario with f3, scaled
// down, must end and find the bug (I13 on the stopped cluster: every
// committed merge keeps its callback) within three runs.
func TestSmokeStress(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for seconds of wall time")
	}
	var out peers.Outcome
	for run := 1; run <= 3 && !out.Detected; run++ { // a real run is not reproducible: allow a miss under load
		out = peers.RealRun{Bug: "f3-callback-kept", Scale: 0.02, Draw: uint64(run), Wall: time.Minute}.Run()
		t.Logf("run %d: %s: %s; network %+v", run, out.Kind, out.Message, out.Net)
	}
	require.True(t, out.Detected, "outcome %+v", out)
}

// TestSmokeSynctest: the same run inside a synctest bubble. The bubble
// fixes the clock, not the scheduler: a run is not reproducible and
// missed F3 about one time in five in bench/peers' reruns (BENCHMARKS.md),
// so, as for stress, up to three runs.
func TestSmokeSynctest(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for seconds of wall time")
	}
	var out peers.Outcome
	for run := 1; run <= 3 && !out.Detected; run++ {
		synctest.Test(t, func(t *testing.T) {
			out = peers.RealRun{Bug: "f3-callback-kept", Scale: 0.05, Draw: uint64(run), Wall: time.Hour}.Run()
		})
		t.Logf("run %d: %s: %s; network %+v", run, out.Kind, out.Message, out.Net)
	}
	require.True(t, out.Detected, "outcome %+v", out)
}

// inBubble runs a real run inside a synctest bubble of t.
func inBubble(t *testing.T) func(peers.RealRun) peers.Outcome {
	return func(rr peers.RealRun) peers.Outcome {
		var out peers.Outcome
		synctest.Test(t, func(t *testing.T) { out = rr.Run() })
		return out
	}
}

func direct(rr peers.RealRun) peers.Outcome { return rr.Run() }

// TestHunt is the worker of run.sh: one tool's hunt (or replay) of one
// bug, configured by the environment, printing one result line
// "PEERS-RESULT {json}". PEERS_TOOL is cdcsim, stress or synctest;
// PEERS_BUG the variant; PEERS_CAP the cap (a Go duration); for cdcsim
// PEERS_START and PEERS_STRIDE pick the seeds and PEERS_REPLAYS how often
// the failing seed is re-run; for the peers PEERS_SCALE is the timing
// scale, and PEERS_REPLAYS > 0 with PEERS_MODE=replay runs the scenario
// that many times and counts detections instead of hunting.
func TestHunt(t *testing.T) {
	tool := os.Getenv("PEERS_TOOL")
	if tool == "" {
		t.Skip("a worker of bench/peers/run.sh: set PEERS_TOOL")
	}
	bug := os.Getenv("PEERS_BUG")
	limit := envDuration(t, "PEERS_CAP", time.Minute)
	replays := envInt(t, "PEERS_REPLAYS", 5)
	var h peers.Hunt
	switch tool {
	case "cdcsim":
		h = peers.HuntSim(bug, uint64(envInt(t, "PEERS_START", 1)), uint64(envInt(t, "PEERS_STRIDE", 1)), limit, replays)
	case "stress", "synctest":
		run := direct
		if tool == "synctest" {
			run = inBubble(t)
		}
		scale := envFloat(t, "PEERS_SCALE", 0.02)
		if os.Getenv("PEERS_MODE") == "replay" {
			h = peers.ReplayReal(tool, bug, scale, replays, run)
		} else {
			h = peers.HuntReal(tool, bug, scale, limit, run)
		}
	default:
		t.Fatalf("PEERS_TOOL=%q: want cdcsim, stress or synctest", tool)
	}
	line, err := json.Marshal(h)
	require.NoError(t, err)
	fmt.Printf("PEERS-RESULT %s\n", line)
}

func envInt(t *testing.T, key string, def int) int {
	s := os.Getenv(key)
	if s == "" {
		return def
	}
	v, err := strconv.Atoi(s)
	require.NoError(t, err, key)
	return v
}

func envFloat(t *testing.T, key string, def float64) float64 {
	s := os.Getenv(key)
	if s == "" {
		return def
	}
	v, err := strconv.ParseFloat(s, 64)
	require.NoError(t, err, key)
	return v
}

func envDuration(t *testing.T, key string, def time.Duration) time.Duration {
	s := os.Getenv(key)
	if s == "" {
		return def
	}
	v, err := time.ParseDuration(s)
	require.NoError(t, err, key)
	return v
}
