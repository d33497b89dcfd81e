package sim

import "time"

// A node fault is a crash or, with probability Config.GracefulStop, a
// graceful stop: the node's own close path runs first (for a TiCDC
// server, server.Close and its sub-modules' Close, registered by the
// model's boot through clock.GracefulStopper), and the node ends as a
// crash ends it only when that path returns, or when GracefulStopTimeout
// has passed, as TiCDC's GracefulShutdownTimeout (server/server.go)
// bounds a close that hangs. Either way the node restarts after
// RestartAfter, counted from the moment it went down.
//
// A node that registered no close path cannot stop gracefully: the fault
// is a crash, and the graceful draw is not made, so a program without
// hooks (the kernel's own tests) keeps its hashes whatever GracefulStop
// says.

// GracefulStopTimeout bounds a graceful stop: TiCDC's
// GracefulShutdownTimeout (server/server.go, 30 s), after which the
// process exits whatever its modules are doing.
const GracefulStopTimeout = 30 * time.Second

// OnGracefulStop registers f as the graceful close of the calling task's
// node (clock.GracefulStopper). A crash clears the node's registrations;
// its boot makes them again. Called from the root node it does nothing:
// the root never stops.
func (w *World) OnGracefulStop(close, gone func()) {
	n := w.curNode
	if n == nil || n == w.root {
		return
	}
	n.onStop = append(n.onStop, stopHook{close, gone})
}

// stopHook is one registered graceful close and what follows it.
type stopHook struct{ close, gone func() }

// Stopping reports whether n is in a graceful stop: its close path runs
// and it has not gone down yet.
func (n *Node) Stopping() bool { return n.stopping }

// StopGracefully starts a graceful stop of n and returns at once: a task
// of n runs n's close path, then n crashes (Crash), and restart runs when
// n has gone down (nil: stay down). A node that is down, already
// stopping, or registered no close path is crashed at once instead.
func (w *World) StopGracefully(n *Node, restart func()) {
	if n == w.root {
		panic("sim: the root node cannot stop")
	}
	if !n.up || n.stopping || len(n.onStop) == 0 {
		w.Crash(n)
		if restart != nil {
			restart()
		}
		return
	}
	n.stopping = true
	hooks := n.onStop
	inc := n.incarnation
	w.tr.mix2(tagStop, uint64(n.id))
	w.Cover("node/graceful-stop")
	if w.tr.on() {
		w.emit(w.curNode, w.current, "stop", []Field{{"node", n.name}}, "node=%s graceful hooks=%d", n.name, len(hooks))
	}
	down := func(why string) {
		if !n.up || n.incarnation != inc {
			return // it crashed meanwhile, or already went down
		}
		if w.tr.on() {
			w.emit(w.curNode, w.current, "stopped", []Field{{"node", n.name}, {"why", why}}, "node=%s %s", n.name, why)
		}
		w.Cover("node/graceful-stop/" + why)
		// Started before the crash, on the root: the crash must not take
		// it along. What follows the departure runs before the restart
		// is even scheduled, so a restart never overtakes it.
		w.root.Go("gone/"+n.name, func() {
			for _, h := range hooks {
				if h.gone != nil {
					h.gone()
				}
			}
			if restart != nil {
				restart()
			}
		})
		w.Crash(n)
	}
	w.scheduleOn(w.root, GracefulStopTimeout, func() { down("timeout") })
	w.spawn("graceful-stop", n, func() {
		for _, h := range hooks {
			h.close()
		}
		down("closed")
	})
}
