package workloads_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/workloads"
)

// TestExampleTargetedFaults is the README's example of faults a workload
// aims itself: with the swarm's random faults off, it isolates the
// second node for five seconds, then clogs it for two, and says so in
// the trace with its own note lines.
func TestExampleTargetedFaults(t *testing.T) {
	sim.Test(t, targetedFaults, sim.Seeds(5), sim.Configure(quietPatched))
}

func targetedFaults(w *sim.World) {
	r := workloads.Start(w, cluster.DefaultConfig())
	r.AddTables(1, 4)
	r.Faults(time.Minute, func(healed func() bool) {
		n := r.C.Nodes()[1].ID
		w.Sleep(10 * time.Second)
		w.Tracef("workload: isolate %s for 5s", n) // a "note" line of the text trace
		w.Network().Isolate(n, 5*time.Second)      // cut from every other node, both ways
		w.Sleep(10 * time.Second)
		w.Tracef("workload: clog %s for 2s", n)
		w.Network().Clog(n, 2*time.Second) // its messages wait, then drain in order
	})
}

// quietPatched is workloads.Patched with no random fault: only the
// workload's own act.
func quietPatched(c *sim.Config) {
	workloads.Patched(c)
	if err := c.Set("faults", "none"); err != nil {
		panic(err)
	}
}

// The example's faults and notes are in the trace where it put them, and
// the cluster recovers from them.
func TestTargetedFaultsShowInTheTrace(t *testing.T) {
	if sim.Describing() {
		t.Skip("not a workload")
	}
	cfg := sim.DeriveConfig(1)
	quietPatched(&cfg)
	w := sim.New(cfg)
	var trace strings.Builder
	w.TraceTo(&trace)
	res := w.Run(func() { targetedFaults(w) })
	if !res.Passed() {
		t.Fatalf("seed 1: %s: %s", res.Failure.Kind, res.Failure.Message)
	}
	for _, want := range []string{
		"note     workload: isolate n2 for 5s",
		"net rule cut(n1->n2, until 16.000000000s)",
		"net rule cut(n2->n3, until 16.000000000s)",
		"note     workload: clog n2 for 2s",
		"net rule clog(n2, until 23.000000000s)",
	} {
		if !strings.Contains(trace.String(), want) {
			t.Errorf("the trace of seed 1 lacks %q", want)
		}
	}
}
