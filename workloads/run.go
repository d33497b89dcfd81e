package workloads

import (
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/collector"
	"github.com/cdcsim/cdcsim/fault"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
)

// ExpensiveEvery is how often (in steps) Install runs the expensive
// checkers; the simulator runs them once more at the end of the run.
const ExpensiveEvery = 2000

// Install registers every checker of this package with w, each under the
// name of its invariant: the cheap ones after every step (I3 must: see
// its doc), I5 every ExpensiveEvery steps. st must be the observer of c
// (Start does both).
func Install(w *sim.World, c *cluster.Cluster, st *CheckState) {
	st.step, st.c, st.now = w.Step, c, w.Now
	cfg := w.Config()
	st.memory.fakePressure = cfg.SiteRate(fault.MemoryPressure) > 0
	for _, inv := range []struct {
		name  string
		every int
		check func(*cluster.Cluster, *CheckState) error
	}{
		{"I1 no request after remove", 1, CheckI1NoRequestAfterRemove},
		{"I2 epoch monotonic", 1, CheckI2EpochMonotonic},
		{"I3 current epoch in order", 1, CheckI3CurrentEpochInOrder},
		{"I4 commitTs order", 1, CheckI4CommitTsOrder},
		{"I5 no data loss", ExpensiveEvery, CheckI5NoDataLoss},
		{"I6 one service per epoch", 1, CheckI6OneServicePerEpoch},
		{"I7 heartbeat checkpoint", 1, CheckI7HeartbeatCheckpoint},
		{"I8 heartbeats to current", 1, CheckI8HeartbeatsToCurrent},
		{"I10 nothing after remove", 1, CheckI10NothingAfterRemove},
		{"I12 one probe", 1, CheckI12OneProbe},
		{"I13 no reset before commit", 1, CheckI13NoResetBeforeCommit},
		{"I15 no wasted work", 1, CheckI15NoWastedWork},
		{"I17 duplicates explained", 1, CheckI17DuplicatesExplained},
		{"I18 memory recovers", 1, CheckI18MemoryRecovers},
		{"I19 queued paths are served", 1, CheckI19PathsServed},
		{"I20 releases follow pressure", 1, CheckI20ReleaseFollowsPressure},
		{"I21 subscription checkpoint is its subscribers' minimum", 1, CheckI21SubscriptionCheckpoint},
		{"I22 a RESET keeps the statistics", 1, CheckI22ResetKeepsStatistics},
		{"I23 drops only at the threshold", 1, CheckI23DropThreshold},
		{"I24 a blocked path is owed a wake", 1, CheckI24WakeOwed},
		{"I25 no shared subscription without data sharing", 1, CheckI25NoSharingWhenOff},
		{"I26 a congested send is retried", 1, CheckI26CongestedSendRetried},
		{"I27 sync points at the cadence", 1, CheckI27SyncPointCadence},
	} {
		w.Invariant(inv.name, inv.every, func() error { return inv.check(c, st) })
	}
	w.Progress("I16 checkpoints move", 1, func() error { return CheckI16Progress(c, st) })
}

// Run is one workload's cluster with its checkers installed.
type Run struct {
	W     *sim.World
	C     *cluster.Cluster
	State *CheckState
	// Limits are the bounds of the run-time oracles (I15, I16): Start
	// sets DefaultLimits, a workload may change them before Faults.
	Limits *Limits
	nodes  map[string]*sim.Node
	// memory is Disruptions' count per node, by node order.
	memory []collectorCount
	// quiet is set once the cluster settled after the heal: from then on
	// the I9 invariant checks.
	quiet bool
}

// Limits are the bounds a workload states for the run-time oracles.
type Limits struct {
	// Work bounds each dispatcher's REGISTERs, RESETs and created
	// subscriptions (I15).
	Work WorkBudget
	// Messages bounds the Readies and DML batches services send each
	// dispatcher (I15, checkers_messages.go).
	Messages MessageBudget
	// StallAfter is how long a live dispatcher's checkpoint may stand
	// still while its target is reachable and the upstream moves on
	// (I16); 0 turns the watchdog off.
	StallAfter time.Duration
	// MemoryRecover is how long a collector's memory area may stay over
	// its quota (I18), ReleaseAfterPressure how long after the area was
	// last under pressure a release may come (I20); 0 turns either off.
	MemoryRecover, ReleaseAfterPressure time.Duration
}

// DefaultLimits are the limits Start sets: see the fields' measurements
// in workloads/doc.go, "Run-time oracles".
func DefaultLimits() Limits {
	return Limits{Work: WorkBudget{Registers: 4, Resets: 4, Subscriptions: 2, PerDisruption: 1}, StallAfter: 2 * time.Minute,
		MemoryRecover: 15 * time.Second, ReleaseAfterPressure: 2 * time.Second,
		// MaxDMLBatch 0: the batch rule is off by default. The clean
		// sweep on 9cb98c4 found it firing on TestProbing/sharing=true
		// seeds 162, 194, 198 and 376, where two scans of one dispatcher
		// run at one instant and their resolved events, which would
		// separate them, wait in the resolved cache: the rule cannot tell
		// two scans from one scan's cut without the scan's identity.
		Messages: MessageBudget{Readies: 6, ReadyEvery: 10 * time.Second}}
}

// sweepWithin is I14's bound on a crashed collector's handshaked
// records (CheckState.sweepWithin): the heartbeat timeout plus one sweep
// interval, both scaled, when the workload set a heartbeat timeout that
// leaves the sweep time within the settle phase; zero (no bound) with
// TiCDC's hour.
func sweepWithin(cfg cluster.Config) time.Duration {
	if cfg.HeartbeatTimeout <= 0 {
		return 0
	}
	sweep := SweepEvery
	if cfg.Scale > 0 {
		sweep = time.Duration(float64(sweep) * cfg.Scale)
	}
	if d := cfg.HeartbeatTimeout + sweep; d < settle {
		return d
	}
	return 0
}

// CrashFor crashes node n, as the node.crash fault does, and restarts it
// after down (or at the heal, if that comes first): for a workload that
// aims a crash at a state it watches. Call it from a workload task.
func (r *Run) CrashFor(n *cluster.Node, down time.Duration) {
	sn := r.nodes[string(n.ID)]
	r.W.Crash(sn)
	r.W.Sleep(down)
	r.W.Restart(sn)
}

// SweepEvery is the event services' sweep interval at Scale 1
// (PROTOCOL.md 7): with a HeartbeatTimeout below the heartbeat interval
// a service may sweep a record once per SweepEvery, which a workload
// allows for in Limits.Work.Every.
const SweepEvery = 10 * time.Second

// Start builds a cluster from cfg on w's network (with w's variants and
// trace, and the checkers' observer), installs every checker, registers
// the liveness goal that every live dispatcher catches up after the heal,
// and waits a second for the nodes to boot. Call it from the test body.
func Start(w *sim.World, cfg cluster.Config) *Run {
	st := NewCheckState()
	installSometimes(w)
	cfg.Variants, cfg.Trace, cfg.Observe = w.Config().Variants, w.TraceFunc(), st.Observe
	applyModelKnobs(w.Config(), &cfg)
	*st.limits = DefaultLimits()
	r := &Run{W: w, State: st, nodes: map[string]*sim.Node{}, Limits: st.limits}
	cfg.NodeUp = func(id wire.ServerID) bool { return r.Up(r.C.Node(id)) }
	r.C = cluster.New(w, w.Network(), func(name string, boot func()) { r.nodes[name] = w.NewNode(name, boot) }, cfg)
	st.work.disruptions, st.stall.link, st.stall.busyUntil = r.Disruptions, r.linked, r.busyUntil
	st.store.sharingOff = !cfg.DataSharing
	st.sweepWithin = sweepWithin(cfg)
	st.memory.node = func(id wire.ServerID) *sim.Node { return r.nodes[string(id)] }
	recordStates(w, r.C)
	Install(w, r.C, st)
	orphans := &OrphanTracker{Grace: time.Second, Every: 10 * time.Millisecond}
	w.Invariant("I9 no local orphans", 1, func() error {
		if !r.quiet {
			return nil
		}
		return orphans.Check(r.C, w.Now())
	})
	leaks := &OrphanTracker{Grace: time.Second, Every: 10 * time.Millisecond, Find: func(c *cluster.Cluster) []Orphan { return Leaks(c, st) }}
	w.Invariant("I14 no leaked records", 1, func() error {
		if !r.quiet {
			return nil
		}
		return leaks.Check(r.C, w.Now())
	})
	w.Eventually("I11 every live dispatcher catches up", 2*time.Minute, r.caughtUp)
	if cfg.Upstream.DropEvery > 0 {
		w.Eventually("a dropped table's dispatchers are removed", 2*time.Minute, func() error { return CheckDroppedTablesLeaveNoDispatcher(r.C) })
	}
	w.Sleep(time.Second)
	return r
}

// caughtUp is the liveness goal: I11 over the nodes' current
// incarnations.
func (r *Run) caughtUp() error { return CheckI11CaughtUp(r.C) }

// Up reports whether node n is running (not crashed and waiting for its
// restart) and not shutting down gracefully. A workload adds and removes
// dispatchers only on nodes that are up: a crashed node's sessions may
// be frozen inside a transition, and a node that is shutting down is
// leaving (the maintainer moves nothing to it either).
func (r *Run) Up(n *cluster.Node) bool {
	sn := r.nodes[string(n.ID)]
	return sn.Up() && !sn.Stopping()
}

// AddTables adds one dispatcher per table first..last, round robin over
// the nodes, from the current time.
func (r *Run) AddTables(first, last int64) {
	for table := first; table <= last; table++ {
		n := r.C.Nodes()[int(table)%len(r.C.Nodes())]
		r.C.AddDispatcher(n, r.C.TableSpan(table), cluster.TsAt(r.W.Now()))
	}
}

// Faults runs the safety phase: the configuration's faults for the given
// virtual time, with during (if non-nil) running as its own task until
// the heal; then heals, waits for the liveness goals, lets the cluster
// settle and checks I9 at that quiescent point.
func (r *Run) Faults(safety time.Duration, during func(stop func() bool)) {
	healed, done := false, during == nil
	if during != nil {
		r.W.Go("workload", func() {
			during(func() bool { return healed })
			done = true
		})
	}
	r.W.StartFaults()
	r.W.Sleep(safety)
	healed = true
	r.W.Heal()
	r.W.AwaitGoals()
	for !done { // its last adds and removes come before the quiet phase
		r.W.Sleep(100 * time.Millisecond)
	}
	r.W.Eventually("I9 every REMOVE reaches L", settle, func() error { return CheckI9NoLocalOrphans(r.C) })
	r.W.Eventually("I14 every record is targeted", settle, func() error { return CheckI14NoLeakedRecords(r.C, r.State) })
	r.W.AwaitGoals()
	r.quiet = true
	r.W.Sleep(3 * time.Second)
}

// settle is how long Faults gives the last REMOVEs, once the other goals
// are met, to reach L (I9 is an eventually-property; then it must hold
// for a second as an invariant): longer than a service's intake can be
// busy with a slow REGISTER (eventservice.RegisterTableSlowMax).
const settle = 30 * time.Second

// LiveDispatchers returns the dispatchers of the current incarnation of
// every node, optionally only those of one table.
func (r *Run) LiveDispatchers(table int64) []*cluster.Dispatcher {
	var out []*cluster.Dispatcher
	for _, n := range r.C.Nodes() {
		for _, d := range r.C.NodeDispatchers(n) {
			if table == 0 || d.Span().TableID == table {
				out = append(out, d)
			}
		}
	}
	return out
}

// Patched turns on the patches for every known hazard (PROTOCOL.md 6.3:
// h1, h3, h4, h5, h6), as sim.Configure(workloads.Patched): with them a workload
// must run clean, so any failure is new. -sim.set=patch= runs HEAD.
func Patched(c *sim.Config) {
	if err := c.Set("patch", "h1,h3,h4,h5,h6"); err != nil {
		panic(err)
	}
}

// Disruptions counts what the run's faults did so far that may
// legitimately cost a dispatcher a re-registration or a reset (I15's
// budget): messages the network lost (at random, to a cut, to a down
// node), refused or duplicated; node restarts; and the events and paths
// the collectors' memory control dropped or released, over every
// incarnation (a crashed collector's counts, as last read, are carried).
// One count for the whole run: a fault anywhere raises every
// dispatcher's budget, which keeps the budget free of false alarms and
// still catches work that grows while nothing is disrupted. It never
// decreases.
func (r *Run) Disruptions() uint64 {
	s := r.W.Network().Stats()
	n := s.DroppedRandom + s.DroppedCut + s.DroppedDown + s.Rejected + s.Duplicated
	for i, node := range r.C.Nodes() {
		n += uint64(max(node.Boots-1, 0))
		for len(r.memory) <= i {
			r.memory = append(r.memory, collectorCount{})
		}
		m := &r.memory[i]
		if node.Collector != m.coll {
			m.carried += m.last
			m.coll, m.last = node.Collector, 0
		}
		if m.coll != nil {
			cs := m.coll.Stats()
			m.last = cs.EventsDropped + cs.PathsReleased
		}
		n += m.carried + m.last
	}
	return n
}

// collectorCount is one node's memory-control disruptions: those of its
// current collector (last) and of its previous incarnations (carried).
type collectorCount struct {
	coll          *collector.EventCollector
	last, carried uint64
}

// linked reports whether node a's collector and node b's event service
// can talk now (I16): both nodes up and no standing network rule (a
// partition either way, a clog of either) between them.
func (r *Run) linked(a, b wire.ServerID) bool {
	if !r.nodes[string(a)].Up() || !r.nodes[string(b)].Up() {
		return false
	}
	if a == b {
		return true // a node's own components never cross the network
	}
	now := r.W.Now()
	for _, rule := range r.W.Network().Rules() {
		from, to := network.NodeID(a), network.NodeID(b)
		if rule.Blocks(from, to, now) || rule.Blocks(to, from, now) || rule.Holds(from, to, now) != 0 || rule.Holds(to, from, now) != 0 {
			return false
		}
	}
	return true
}

// busyUntil is I16's view of a service's intake (IntakeBusyUntil); zero
// while the node has no service.
func (r *Run) busyUntil(svc wire.ServerID) clock.Time {
	if n := r.C.Node(svc); n.Service != nil {
		return n.Service.IntakeBusyUntil()
	}
	return 0
}
