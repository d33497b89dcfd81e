package peers

import (
	"fmt"
	"strings"

	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/workloads"
)

// Bugs are the four bug variants the canaries find (PROTOCOL.md 6.1),
// in table order.
var Bugs = []string{"f1-retry-unlocked", "f2-retry-removed", "f3-callback-kept", "f4-probe-during-merge"} //dst:allow package-state: a read-only table

// shape is which canary a bug's scenario copies: the heartbeat workload
// (TestCanaryHeartbeatF1RetryUnlocked, ...F2RetryRemoved) or the merge
// workload (TestCanaryF3CallbackKept, TestCanaryF4ProbeDuringMerge),
// with the canary's patches.
type shape struct {
	heartbeat bool
	patches   string
}

func shapeOf(bug string) (shape, error) {
	switch bug {
	case "f1-retry-unlocked", "f2-retry-removed":
		return shape{heartbeat: true, patches: "h1,h3,h4,h5"}, nil // workloads.Patched
	case "f3-callback-kept":
		return shape{patches: "h1,h3"}, nil // h4 would fix F3 too
	case "f4-probe-during-merge":
		return shape{patches: "h1,h3,h4,h5"}, nil
	}
	return shape{}, fmt.Errorf("peers: unknown bug %q; known: %s", bug, strings.Join(Bugs, ", "))
}

// Detects is the one detection criterion of every tool: whether a
// failure of the given kind and message is the bug's, exactly as the
// canaries accept it (workloads/canary_*_test.go).
//
//   - f1: the panic "current event service should not be empty", or I1;
//   - f2: I1 with a REGISTER after the REMOVE;
//   - f3: I13, or the liveness goal;
//   - f4: the panic "ready callback should be nil when accepting remote
//     ready".
func Detects(bug, kind, msg string) bool {
	panicked, safety := kind == string(sim.KindPanic), kind == string(sim.KindSafety)
	i1 := safety && strings.Contains(msg, `"I1 no request after remove"`)
	switch bug {
	case "f1-retry-unlocked":
		return panicked && strings.Contains(msg, "current event service should not be empty") || i1
	case "f2-retry-removed":
		return i1 && strings.Contains(msg, "REGISTER")
	case "f3-callback-kept":
		return kind == string(sim.KindLiveness) || safety && strings.Contains(msg, "I13")
	case "f4-probe-during-merge":
		return panicked && strings.Contains(msg, "ready callback should be nil when accepting remote ready")
	}
	return false
}

// SimConfig is the canary's configuration of a seed with bug on: the
// seed's swarm draw, the workload's faults, the canary's patches.
func SimConfig(bug string, seed uint64) (sim.Config, func(*sim.World), error) {
	sh, err := shapeOf(bug)
	if err != nil {
		return sim.Config{}, nil, err
	}
	cfg := sim.DeriveConfig(seed)
	body := func(w *sim.World) { workloads.RunMerge(w, workloads.DefaultMergeOptions()) }
	if sh.heartbeat {
		workloads.HeartbeatFaults(&cfg)
		body = workloads.RunHeartbeat
	}
	if err := cfg.Set("patch", sh.patches); err != nil {
		return sim.Config{}, nil, err
	}
	if err := cfg.Set("bug", bug); err != nil {
		return sim.Config{}, nil, err
	}
	return cfg, body, nil
}
