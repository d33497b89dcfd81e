package workloads_test

import (
	"strings"
	"testing"

	"github.com/cdcsim/cdcsim/eventservice"
	"github.com/cdcsim/cdcsim/session"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/workloads"
	"github.com/stretchr/testify/require"
)

func coveredHeartbeat(seed uint64) sim.Config {
	c := sim.DeriveConfig(seed)
	workloads.HeartbeatFaults(&c)
	workloads.Patched(&c)
	return c
}

// The model's coverage points are counted on a real workload: session
// transitions from their states, event-service rows, network faults;
// every session and event-service point is one of the registered ones;
// and a run hashes the same with coverage off (observations never
// decide).
func TestModelCoverage(t *testing.T) {
	cfg := coveredHeartbeat(3)
	on := sim.Run(cfg, workloads.RunHeartbeat)
	w := sim.New(cfg)
	w.SetCoverage(false)
	off := w.Run(func() { workloads.RunHeartbeat(w) })
	require.Equal(t, on.Hash, off.Hash, "coverage moved the hash")

	known := map[string]bool{}
	for _, p := range append(session.CoverPoints(), eventservice.CoverPoints()...) {
		known[p] = true
	}
	hits := map[string]uint64{}
	for _, p := range on.Coverage {
		hits[p.Name] = p.Hits
		if strings.HasPrefix(p.Name, "session/") || strings.HasPrefix(p.Name, "eventservice/") {
			require.True(t, known[p.Name], "%s is not in the registry", p.Name)
		}
	}
	for _, p := range []string{"session/T1/Idle", "session/T10/OnLocal", "eventservice/register/new",
		"eventservice/reset/replace", "eventservice/handshake/sent", "eventservice/heartbeat/accepted"} {
		require.Greater(t, hits[p], uint64(0), "%s not reached: %v", p, hits)
	}
	var net bool
	for p := range hits { //dst:allow map-range: an OR over the names, which no order changes
		net = net || strings.HasPrefix(p, "net/")
	}
	require.True(t, net, "no network fault counted under HeartbeatFaults")
	require.Len(t, on.Sometimes, 23, "every workload asks the twenty-three Sometimes")
}
