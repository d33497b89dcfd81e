package sim

import (
	"fmt"
	"iter"
	"runtime/debug"
	"strconv"
)

// task is the simulator's goroutine: a coroutine built on iter.Pull, of
// which exactly one runs at a time. The scheduler resumes it with next; it
// gives control back by calling yield from a blocking operation.
type task struct {
	w    *World
	id   uint64
	name string
	node *Node
	f    func()

	next  func() (struct{}, bool)
	stop  func()
	yield func(struct{}) bool

	state taskState
	why   string // what a parked task waits for
	// gen counts parks, for the trace; sleep is the task's own timer, so
	// sleeping allocates nothing.
	gen   uint32
	sleep simTimer
	// dying is set while the task is being unwound by a crash or the end of
	// the run; blocking then is a bug in a deferred call.
	dying   bool
	nodeIdx int // position in node.tasks. Invariant: node.tasks[nodeIdx] == t while alive.
	prio    int // PCT priority
	// unlocked is set when the task released a lock in its current
	// step, and hold counts the picks it is still held back (gap.go).
	unlocked bool
	hold     int
	// resumed is where the run stood when the task was last resumed,
	// for the wall-clock watchdog (hang.go).
	resumed resumed
}

type taskState uint8

const (
	taskRunnable taskState = iota
	taskRunning
	taskParked
	taskDone
)

// errKilled unwinds a task's stack when its node crashes or the run ends.
// It is recovered at the bottom of the task; any other panic is a failure.
type killed struct{}

var errKilled any = killed{}

func (w *World) spawn(name string, node *Node, f func()) *task {
	w.nextTaskID++
	t := &task{w: w, id: w.nextTaskID, name: name, node: node, f: f, state: taskRunnable}
	t.sleep = simTimer{w: w, node: node, task: t}
	t.next, t.stop = iter.Pull(t.body)
	node.adopt(t)
	w.strat.spawned(t)
	w.runnable = append(w.runnable, t)
	w.tr.mix2(tagSpawn, t.id)
	if w.tr.on() {
		w.emit(w.curNode, w.current, "spawn", []Field{{"tid", strconv.FormatUint(t.id, 10)}, {"name", name}, {"on", node.name}}, "task=%d %s", t.id, name)
	}
	return t
}

// body is the coroutine. It runs the task's function and turns any panic
// other than errKilled into a failure of the run.
func (t *task) body(yield func(struct{}) bool) {
	t.yield = yield
	defer func() {
		r := recover()
		t.state = taskDone
		if r != nil && r != errKilled {
			t.w.taskPanicked(t, r, string(debug.Stack()))
		}
	}()
	t.f()
}

// switchOut gives control back to the scheduler and returns when the task
// is resumed. A task being killed never resumes: it unwinds from here.
func (t *task) switchOut() {
	if t.dying {
		panic(fmt.Sprintf("sim: task %q blocked while being unwound (%s); deferred calls of a crashed or ended task must not block", t.name, t.why))
	}
	if !t.yield(struct{}{}) {
		panic(errKilled)
	}
}

// resume runs t until it blocks, yields or returns.
func (w *World) resume(t *task) {
	w.current, w.curNode = t, t.node
	t.state = taskRunning
	t.unlocked = false
	t.resumed = resumed{step: w.step, now: w.now, hash: w.tr.hash}
	w.running.Store(t)
	_, alive := t.next()
	w.current, w.curNode = nil, w.root
	if !alive {
		t.state = taskDone
		w.retire(t)
	}
}

// kill ends t, running its deferred calls. It is called from the scheduler
// or from another task (a crash), never on the running task itself.
func (w *World) kill(t *task) {
	if t.state == taskDone {
		return
	}
	if t.state == taskRunnable {
		w.unrun(t)
	}
	t.dying = true
	prev, prevNode := w.current, w.curNode
	w.current, w.curNode = t, t.node
	t.resumed = resumed{step: w.step, now: w.now, hash: w.tr.hash}
	w.running.Store(t) // its deferred calls run now: they could spin too
	t.stop()
	w.current, w.curNode = prev, prevNode
	t.state = taskDone
	w.retire(t)
}

// retire forgets a finished task.
func (w *World) retire(t *task) {
	if t.nodeIdx >= 0 {
		t.node.drop(t)
	}
	w.tr.mix2(tagExit, t.id)
	if w.tr.on() {
		w.emit(w.curNode, w.current, "exit", []Field{{"tid", strconv.FormatUint(t.id, 10)}, {"name", t.name}, {"on", t.node.name}}, "task=%d %s", t.id, t.name)
	}
}

// unrun takes a runnable task out of the run queue.
func (w *World) unrun(t *task) {
	if t.hold > 0 {
		w.unhold(t)
		return
	}
	for i, x := range w.runnable {
		if x == t {
			last := len(w.runnable) - 1
			w.runnable[i] = w.runnable[last]
			w.runnable[last] = nil
			w.runnable = w.runnable[:last]
			return
		}
	}
}

func (w *World) taskPanicked(t *task, r any, stack string) {
	w.fail(&Failure{
		Kind:    KindPanic,
		Message: fmt.Sprint(r),
		Node:    t.node.name,
		Task:    t.name,
		Stack:   stack,
	})
}
