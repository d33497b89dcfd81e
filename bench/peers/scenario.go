package peers

import (
	"fmt"
	"sync"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/variant"
	"github.com/cdcsim/cdcsim/workloads"
)

// RealRun is one run of a canary's scenario on the real runtime: the
// same model code as the simulated run, on goroutines, the runtime's
// clock (the wall clock, or synctest's virtual one inside a bubble) and
// the in-process network with the seed-drawn fault mix. It is the unit a
// peer repeats until the bug shows.
type RealRun struct {
	// Bug is the variant under test (one of Bugs).
	Bug string
	// Scale multiplies every interval of the model (cluster.Config.Scale)
	// and of the workload (its sleeps, the safety phase, the faults'
	// delays, the heartbeat timeout and the liveness budget): 1 is the
	// simulated run's timing.
	Scale float64
	// Draw seeds the draw of the fault mix (sim.DeriveConfig: the same
	// swarm distribution as the simulated runs); the run itself is not
	// reproducible.
	Draw uint64
	// Wall bounds the run's wall time (0: 10 minutes); reaching it ends
	// the run as a "hang" (a real deadlock, or a machine too loaded).
	Wall time.Duration
}

// Outcome is what one run found.
type Outcome struct {
	// Kind is "" for a clean run, else the failure's kind as the
	// simulator names them: panic, safety, liveness; "hang" when the run
	// or its shutdown did not end within RealRun.Wall.
	Kind    string
	Message string
	// Detected: the failure is the bug's (Detects).
	Detected bool
	// Net is the network's counters, to show the faults were on.
	Net network.Stats
}

// runState is what a run's tasks share with the harness: the first
// failure, under a plain mutex (the observer and panic handler run on
// the model's goroutines and must not block).
type runState struct {
	mu     sync.Mutex
	kind   string
	msg    string
	failed chan struct{} // closed at the first failure
}

func (s *runState) fail(kind, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kind != "" {
		return
	}
	s.kind, s.msg = kind, msg
	close(s.failed)
}

func (s *runState) first() (string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kind, s.msg
}

// Run runs the scenario once and returns what it found. Call it from a
// goroutine outside the runtime it builds (in a synctest bubble: from the
// bubble's root goroutine).
func (rr RealRun) Run() Outcome {
	if rr.Wall == 0 {
		rr.Wall = 10 * time.Minute
	}
	sh, err := shapeOf(rr.Bug)
	if err != nil {
		panic(err)
	}
	vars, err := variant.Parse(rr.Bug, sh.patches)
	if err != nil {
		panic(err)
	}
	rt := clock.NewReal()
	st := &runState{failed: make(chan struct{})}
	// F1 and F4 are the model's own assertions: a panic on a task is a
	// finding, as the simulator reports a task's panic.
	rt.OnPanic(func(p any, stack []byte) { st.fail(string(sim.KindPanic), fmt.Sprint(p)) })
	simCfg := sim.DeriveConfig(rr.Draw)
	if sh.heartbeat {
		workloads.HeartbeatFaults(&simCfg)
	}
	faults := scaleFaults(simCfg.Net, rr.Scale)
	net := network.NewReal(rt, faults.Latency)
	if err := net.SetFaults(faults); err != nil {
		panic(err)
	}

	checks := workloads.NewCheckState()
	var checksMu sync.Mutex // Observe runs on every node's goroutines
	w := &realWorkload{rt: rt, net: net, scale: rr.Scale, st: st, done: make(chan struct{})}
	cfg := cluster.DefaultConfig()
	cfg.Scale, cfg.Variants = rr.Scale, vars
	// The observation-based checker runs inside the hook, where the
	// request is queued (I1, the F2 detector): at once, not at the end.
	cfg.Observe = func(o cluster.Observation) {
		checksMu.Lock()
		checks.Observe(o)
		err := workloads.CheckI1NoRequestAfterRemove(nil, checks)
		checksMu.Unlock()
		if err != nil {
			st.fail(string(sim.KindSafety), fmt.Sprintf("invariant %q violated: %v", "I1 no request after remove", err))
		}
	}
	rt.Go("workload", func() {
		defer close(w.done)
		if sh.heartbeat {
			w.heartbeat(cfg)
		} else {
			w.merge(cfg)
		}
	})
	select {
	case <-w.done:
	case <-st.failed:
	case <-time.After(rr.Wall):
		st.fail("hang", fmt.Sprintf("the run did not end within %s", rr.Wall))
	}
	if !stopWithin(rt, net, rr.Wall) {
		st.fail("hang", "the runtime did not stop (a task that never reaches Park or Sleep?)")
		kind, msg := st.first()
		return Outcome{Kind: kind, Message: msg}
	}
	// Every task has ended: the snapshot- and sink-based checkers can read
	// the state now (they are unsafe while the model runs).
	if kind, _ := st.first(); kind == "" && w.c != nil {
		checksMu.Lock()
		finalChecks(w, rr.Bug, checks, st)
		checksMu.Unlock()
	}
	kind, msg := st.first()
	return Outcome{Kind: kind, Message: msg, Detected: Detects(rr.Bug, kind, msg), Net: net.Stats()}
}

// stopWithin stops the runtime and the network and waits for every task,
// for at most d; it reports whether they all ended.
func stopWithin(rt *clock.Real, net *network.Real, d time.Duration) bool {
	stopped := make(chan struct{})
	go func() {
		rt.Stop()
		net.Close()
		rt.Wait()
		close(stopped)
	}()
	select {
	case <-stopped:
		return true
	case <-time.After(d):
		return false
	}
}

// finalChecks runs, on the stopped cluster, the checkers the simulated
// workload installs (workloads.Install, in its order) that are valid
// on the final state, and I9 if the run reached its quiet point, and
// reports a violation: the bug's if there is one, else the first. I3 is left out: it compares each event the sink
// accepted with the session's epoch at the step it was accepted
// (CheckI3CurrentEpochInOrder: "it must run after every step"), which
// a real run cannot give, and on the final state it flags every epoch
// change as a violation.
func finalChecks(w *realWorkload, bug string, checks *workloads.CheckState, st *runState) {
	var violations []string
	for _, inv := range []struct {
		name  string
		check func(*cluster.Cluster, *workloads.CheckState) error
	}{
		{"I1 no request after remove", workloads.CheckI1NoRequestAfterRemove},
		{"I2 epoch monotonic", workloads.CheckI2EpochMonotonic},
		{"I4 commitTs order", workloads.CheckI4CommitTsOrder},
		{"I5 no data loss", workloads.CheckI5NoDataLoss},
		{"I6 one service per epoch", workloads.CheckI6OneServicePerEpoch},
		{"I12 one probe", workloads.CheckI12OneProbe},
		{"I13 no reset before commit", workloads.CheckI13NoResetBeforeCommit},
		{"I9 no local orphans", func(c *cluster.Cluster, _ *workloads.CheckState) error {
			if !w.quiet.Load() {
				return nil
			}
			return workloads.CheckI9NoLocalOrphans(c)
		}},
	} {
		if err := inv.check(w.c, checks); err != nil {
			violations = append(violations, fmt.Sprintf("invariant %q violated: %v", inv.name, err))
		}
	}
	if len(violations) == 0 {
		return
	}
	// The violations of a final state come in no order: report the bug's
	// if it is among them, so that an unrelated one does not hide it.
	pick := violations[0]
	for _, v := range violations {
		if Detects(bug, string(sim.KindSafety), v) {
			pick = v
			break
		}
	}
	st.fail(string(sim.KindSafety), pick)
}

// scaleFaults scales every duration of a fault mix. Crashes are not
// part of it: the real runtime cannot crash one node (see doc.go).
func scaleFaults(f network.Faults, scale float64) network.Faults {
	sd := func(d network.Dist) network.Dist {
		d.A, d.B = scaled(d.A, scale), scaled(d.B, scale)
		return d
	}
	f.Latency, f.Spike, f.PartitionFor, f.ClogFor = sd(f.Latency), sd(f.Spike), sd(f.PartitionFor), sd(f.ClogFor)
	f.PartitionEvery, f.ClogEvery = scaled(f.PartitionEvery, scale), scaled(f.ClogEvery, scale)
	return f
}

func scaled(d time.Duration, scale float64) time.Duration {
	if d == 0 || scale == 1 {
		return d
	}
	return max(time.Duration(float64(d)*scale), 1)
}
