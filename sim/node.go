package sim

import (
	"fmt"

	"github.com/cdcsim/cdcsim/network"
)

// Node groups the tasks, timers and mailboxes of one simulated process.
// Crash ends every task of the node (their stacks unwind, their deferred
// calls run), and drops its pending timers; Restart runs the node's boot
// function again in a new incarnation. State the node keeps is whatever
// its boot function builds, so a restart starts from nothing, as a
// restarted process does.
type Node struct {
	w    *World
	id   int
	name string
	boot func()
	// incarnation counts restarts; timers remember the incarnation that
	// scheduled them and do not fire in a later one.
	incarnation uint32
	up          bool
	noCrash     bool    // the crash fault never picks this node
	tasks       []*task // live tasks, in creation order
	onCrash     []func()
	onStop      []stopHook
	// stopping says a graceful stop runs (stop.go) and the node has not
	// gone down yet.
	stopping bool
}

// Name returns the node's name.
func (n *Node) Name() string { return n.name }

// ID returns the node's index in creation order (the root node is 0).
func (n *Node) ID() int { return n.id }

// Up reports whether the node is running (not crashed).
func (n *Node) Up() bool { return n.up }

// Incarnation returns how many times the node has been restarted.
func (n *Node) Incarnation() uint32 { return n.incarnation }

// Go starts a task on n.
func (n *Node) Go(name string, f func()) {
	if !n.up {
		return
	}
	n.w.spawn(name, n, f)
}

// OnCrash registers f to run when n crashes, for example to close the
// node's inbound mailboxes so that senders see it gone. The hooks are
// cleared by the crash; boot registers them again.
func (n *Node) OnCrash(f func()) { n.onCrash = append(n.onCrash, f) }

func (n *Node) adopt(t *task) {
	t.nodeIdx = len(n.tasks)
	n.tasks = append(n.tasks, t)
}

func (n *Node) drop(t *task) {
	last := len(n.tasks) - 1
	moved := n.tasks[last]
	n.tasks[t.nodeIdx] = moved
	moved.nodeIdx = t.nodeIdx
	n.tasks[last] = nil
	n.tasks = n.tasks[:last]
	t.nodeIdx = -1
}

// NewNode creates a node and starts its boot function as a task named
// "boot". Node names must be unique.
func (w *World) NewNode(name string, boot func()) *Node {
	for _, n := range w.nodes {
		if n.name == name {
			panic(fmt.Sprintf("sim: duplicate node name %q", name))
		}
	}
	n := &Node{w: w, id: len(w.nodes), name: name, boot: boot, up: true}
	w.nodes = append(w.nodes, n)
	if boot != nil {
		w.spawn("boot", n, boot)
	}
	return n
}

// Nodes returns every node, the root node first.
func (w *World) Nodes() []*Node { return w.nodes }

// Crash stops node n: every task of n ends (a task of n that calls Crash
// ends too, when Crash returns), its timers are dropped and its crash
// hooks run. Crashing a crashed node does nothing.
func (w *World) Crash(n *Node) {
	if n == w.root {
		panic("sim: the root node cannot crash")
	}
	if !n.up {
		return
	}
	n.up = false
	n.incarnation++
	if w.net != nil {
		w.net.SetDown(network.NodeID(n.name))
	}
	w.tr.mix2(tagCrash, uint64(n.id))
	w.Cover("node/crash")
	if w.tr.on() {
		w.emit(w.curNode, w.current, "crash", []Field{{"node", n.name}}, "node=%s tasks=%d", n.name, len(n.tasks))
	}
	hooks := n.onCrash
	n.onCrash = nil
	n.onStop, n.stopping = nil, false
	for _, f := range hooks {
		f()
	}
	self := w.current != nil && w.current.node == n
	for len(n.tasks) > 0 {
		t := n.tasks[len(n.tasks)-1]
		if t == w.current {
			// The caller is on n: take it out of the list and end it last.
			n.drop(t)
			continue
		}
		w.kill(t)
	}
	if self {
		w.current.dying = true
		panic(errKilled)
	}
}

// Restart boots a crashed node again in a new incarnation. Restarting a
// running node does nothing.
func (w *World) Restart(n *Node) {
	if n.up {
		return
	}
	n.up = true
	w.tr.mix2(tagRestart, uint64(n.id))
	w.Cover("node/restart")
	if w.tr.on() {
		w.emit(w.curNode, w.current, "restart", []Field{{"node", n.name}}, "node=%s incarnation=%d", n.name, n.incarnation)
	}
	if n.boot != nil {
		w.spawn("boot", n, n.boot)
	}
}
