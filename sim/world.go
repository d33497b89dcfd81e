package sim

import (
	"fmt"
	"io"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/internal/chunk"
	"github.com/cdcsim/cdcsim/network"
)

// World is one simulated run: its clock, event queue, tasks, nodes,
// random streams and checks. It implements clock.Runtime, so model code
// takes it wherever it takes a runtime. A World is used by one run only
// and from one goroutine at a time; nothing in it is shared between runs.
type World struct {
	cfg Config

	now  int64  // virtual nanoseconds
	step uint64 // steps taken: task slices and callbacks run
	// nowSince is the step at which now last moved: a step budget spent
	// at one instant is a livelock, not a long run, and is reported so.
	nowSince uint64
	seq      uint64 // event sequence numbers

	// running is the task last handed control, published for the
	// wall-clock watchdog, which runs outside the simulation (hang.go).
	// It is an observation: nothing in the run reads it.
	running atomic.Pointer[task]

	q        eventQueue
	runnable []*task
	// held are runnable tasks kept out of the picks for a while, each
	// until its hold runs out or nothing else is runnable (gap.go).
	held    []*task
	gapRand *rand.Rand
	strat   strategy

	current    *task // running task, nil on the scheduler
	inCallback bool  // a Schedule callback is running
	curNode    *Node // node on whose behalf code runs
	root       *Node
	nodes      []*Node
	nextTaskID uint64
	mainTask   *task

	streams map[string]*rand.Rand
	// dec serves the draws of a run that is not only its seed's: one
	// replayed or recorded (decisions_replay.go). nil in a seed run.
	dec        *decider
	schedRand  *rand.Rand
	selectRand *rand.Rand
	sites      map[string]*site
	// timers carves Schedule's timers from chunks (scheduleOn). Small
	// chunks: a long-lived timer (a ticker's) pins its chunk's dead ones.
	timers chunk.Of[simTimer]

	invariants []*invariant
	goals      []*goal
	phase      Phase
	net        *network.Sim
	healed     bool

	tr      tracer
	failure *Failure
	// cov and sometimes are observations: they never reach the hash.
	cov       coverage
	sometimes sometimesSet
	wallEnd   time.Time
}

// New returns a world for one run of cfg. It panics on an invalid
// configuration; call cfg.Validate first to get an error instead.
func New(cfg Config) *World { return NewDecided(cfg, Decide{}) }

// NewDecided returns a world for one run of cfg whose draws are recorded,
// replayed from a decision file, or replayed up to a step and fresh after
// it, as d says (decisions_replay.go). The zero Decide is New's seed run.
func NewDecided(cfg Config, d Decide) *World {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	w := &World{
		cfg:     cfg,
		streams: make(map[string]*rand.Rand),
		sites:   make(map[string]*site),
		timers:  chunk.Of[simTimer]{Size: 64},
		tr:      tracer{hash: hashInit ^ splitmix64(cfg.Seed)},
	}
	if d != (Decide{}) {
		w.dec = newDecider(w, d)
	}
	w.schedRand = w.Rand("sim/scheduler")
	w.selectRand = w.Rand("sim/select")
	w.strat = newStrategy(w, w.Rand(strategyLabel))
	w.root = &Node{w: w, name: "main", up: true}
	w.nodes = []*Node{w.root}
	w.curNode = w.root
	return w
}

// strategyLabel is the stream of the strategy's draws: the random
// strategy's picks, PCT's priorities and change points.
const strategyLabel = "sim/strategy"

// TraceTo sends the text trace to out. Call it before Run.
func (w *World) TraceTo(out io.Writer) { w.tr.out = out }

// RecordSteps keeps the hash after every step, for Result.StepHashes.
func (w *World) RecordSteps() { w.tr.recording = true }

// Config returns the run's configuration.
func (w *World) Config() Config { return w.cfg }

// Seed returns the run's seed.
func (w *World) Seed() uint64 { return w.cfg.Seed }

// Step returns the number of steps taken so far.
func (w *World) Step() uint64 { return w.step }

// Hash returns the rolling hash of every decision so far.
func (w *World) Hash() uint64 { return w.tr.hash }

// Root returns the node that runs the main task.
func (w *World) Root() *Node { return w.root }

// Run runs main as the first task on the root node and schedules until
// main returns, a check fails, or a budget runs out. Every task still
// alive at the end is killed, so no goroutine outlives the run.
func (w *World) Run(main func()) *Result {
	if w.mainTask != nil {
		panic("sim: a World runs once")
	}
	w.wallEnd = time.Now().Add(w.cfg.MaxWall)
	w.mainTask = w.spawn("main", w.root, main)
	w.loop()
	w.finish()
	return w.result()
}

// loop is the scheduler: fire the events that are due, then run one of
// the runnable tasks, then check; when nothing is runnable, jump the clock
// to the next event and fire it.
func (w *World) loop() {
	defer w.recoverCallback()
	for w.failure == nil && w.mainTask.state != taskDone {
		w.fireDue()
		if w.failure != nil {
			return
		}
		if len(w.held) > 0 {
			w.tickHeld()
		}
		if len(w.runnable) == 0 {
			if !w.advance() {
				return
			}
			w.fire(w.q.pop())
			continue
		}
		i := w.strat.pick(w.runnable)
		t := w.runnable[i]
		last := len(w.runnable) - 1
		w.runnable[i] = w.runnable[last]
		w.runnable[last] = nil
		w.runnable = w.runnable[:last]
		w.tr.mix2(tagRun, t.id)
		if w.tr.on() {
			// Named by the task's node, not the scheduler's current one:
			// dst replay --node n3 then shows n3's scheduling too.
			w.emit(t.node, t, "run", []Field{{"task", t.name}}, "task=%d %s", t.id, t.name)
		}
		w.resume(t)
		w.strat.ran(t, w.step)
		w.endStep()
	}
}

// recoverCallback turns a panic in a Schedule callback into a failure of
// the run. Callbacks run on the scheduler's own stack, and a panic ends the
// run anyway, so one deferred recover around the loop serves them all
// instead of a defer per callback. Tasks recover their own panics (see
// task.body), so anything else reaching here is a bug in the kernel and
// is re-raised.
func (w *World) recoverCallback() {
	if !w.inCallback {
		return
	}
	r := recover()
	w.inCallback = false
	w.fail(&Failure{Kind: KindPanic, Message: fmt.Sprint(r), Node: w.curNode.name, Task: "(timer callback)", Stack: stackOf()})
	w.curNode = w.root
}

// fireDue fires every event due at the current instant, in (time, seq)
// order, so that tasks woken at this instant compete with those already
// runnable.
func (w *World) fireDue() {
	for w.q.len() > 0 && w.q.peek().at <= w.now && w.failure == nil {
		w.fire(w.q.pop())
	}
}

// advance jumps the clock to the next event. It reports false, after
// recording the failure, when there is none (every task is blocked) or
// the jump would cross a budget or a liveness deadline.
func (w *World) advance() bool {
	if w.q.len() == 0 {
		w.fail(&Failure{Kind: KindLiveness, Message: "deadlock: every task is blocked and no timer is pending",
			Detail: w.blockedTasks()})
		return false
	}
	at := w.q.peek().at
	if at == w.now {
		return true
	}
	if w.checkDeadlines(at) {
		return false
	}
	if at > int64(w.cfg.MaxTime) {
		w.fail(&Failure{Kind: KindBudget, Message: fmt.Sprintf("virtual-time budget %s exhausted (next event at %s)", w.cfg.MaxTime, clock.Time(at))})
		return false
	}
	if at != w.now {
		w.now, w.nowSince = at, w.step
	}
	w.tr.mix2(tagTime, uint64(at))
	return true
}

func (w *World) fire(e event) {
	tm := e.timer
	if !tm.pending || tm.gen != e.gen {
		return // stopped or re-armed since
	}
	tm.pending = false
	if t := tm.task; t != nil {
		// The end of a sleep. The task may have died in a crash meanwhile.
		if t.state == taskParked {
			w.tr.mix2(tagWake, t.id)
			w.makeRunnable(t)
		}
		return
	}
	if tm.node.incarnation != tm.incarnation || !tm.node.up {
		return // the node crashed since: its timers died with it
	}
	w.tr.mix2(tagTimer, e.seq)
	w.curNode = tm.node
	if w.tr.on() {
		w.traceLine("timer", "seq=%d", e.seq)
	}
	w.inCallback = true
	tm.fn()
	w.inCallback = false
	w.curNode = w.root
	w.endStep()
}

// endStep closes a step: count it, record its hash, run the checks and
// the step budget, and now and then the wall-clock budget.
func (w *World) endStep() {
	w.step++
	if w.tr.recording {
		w.tr.steps = append(w.tr.steps, w.tr.hash)
	}
	if w.failure != nil {
		return
	}
	w.checkInvariants()
	w.checkGoals()
	if w.step >= w.cfg.MaxSteps && w.failure == nil && w.mainTask.state != taskDone {
		msg := fmt.Sprintf("step budget %d exhausted (a task spinning on Yield, or a run longer than its budget)", w.cfg.MaxSteps)
		if frozen := w.step - w.nowSince; frozen > w.cfg.MaxSteps/4 {
			msg = fmt.Sprintf("step budget %d exhausted: livelock, the last %d steps ran at virtual time %s without time advancing (tasks that wake each other at one instant, or one spinning on Yield)", w.cfg.MaxSteps, frozen, clock.Time(w.now))
		}
		w.fail(&Failure{Kind: KindBudget, Message: msg})
	}
	if w.step&1023 == 0 && time.Now().After(w.wallEnd) && w.failure == nil {
		w.fail(&Failure{Kind: KindBudget, WallStop: true, Message: fmt.Sprintf("wall-clock budget %s exhausted", w.cfg.MaxWall)})
	}
}

// fail records the first failure of the run; later ones are ignored, as
// they are usually consequences of the first.
func (w *World) fail(f *Failure) {
	if w.failure != nil {
		return
	}
	f.Step, f.Time = w.step, clock.Time(w.now)
	if f.Node == "" && w.curNode != nil {
		f.Node = w.curNode.name
	}
	if f.Task == "" && w.current != nil {
		f.Task = w.current.name
	}
	w.failure = f
	if w.tr.on() {
		w.emit(w.curNode, w.current, "FAIL", []Field{{"kind", string(f.Kind)}, {"message", f.Message}}, "%s: %s", f.Kind, f.Message)
	}
}

// finish ends the run: goals still open fail it, then every task that is
// still alive is unwound, so no goroutine outlives the World.
func (w *World) finish() {
	if w.failure == nil {
		w.checkGoalsAtEnd()
	}
	w.endSometimes()
	for _, n := range w.nodes {
		for len(n.tasks) > 0 {
			w.kill(n.tasks[len(n.tasks)-1])
		}
	}
	w.runnable, w.held = nil, nil
	w.q.clear()
}

// traceLine adds a record, and a line of the text trace, for the current
// node and task, with no structured fields beyond its columns.
func (w *World) traceLine(kind, format string, args ...any) {
	w.emit(w.curNode, w.current, kind, nil, format, args...)
}

// Tracef adds a line of kind "note" to the text trace. Model code uses it
// to say what it decided ("dispatcher 7: REGISTER to node 2"). Notes are
// not decisions (the decisions behind them are hashed already), so they
// do not feed the hash: a traced run hashes like an untraced one.
func (w *World) Tracef(format string, args ...any) {
	if w.tr.on() {
		w.traceLine("note", format, args...)
	}
}

// TraceFunc returns Tracef when the text trace is on and nil when it is
// off. Hand it to model code as its trace hook: a nil hook lets the model
// skip formatting, so an untraced run does not even box the arguments.
func (w *World) TraceFunc() func(format string, args ...any) {
	if !w.tr.on() {
		return nil
	}
	return w.Tracef
}
