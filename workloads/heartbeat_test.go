package workloads_test

import (
	"testing"

	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/workloads"
)

// Lost records under heartbeats: event services sweep records their
// collectors keep (a 4-9 s inactivity timeout), remote services lose
// theirs in crashes, heartbeats are answered Removed and T8
// re-registers, while the network duplicates and delays the responses
// past the re-registration and tables are removed at the instants the
// responses are handled (workloads.RunHeartbeat lists the mechanisms).
// Patched: with h1 a late or duplicate Removed must not re-register.
func TestHeartbeat(t *testing.T) {
	sim.Test(t, workloads.RunHeartbeat, sim.Seeds(10),
		sim.Configure(workloads.HeartbeatFaults), sim.Configure(workloads.Patched))
}
