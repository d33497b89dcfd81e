package workloads

import (
	"strconv"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/sim"
)

// recordStates adds, when the run's structured records are on
// (sim.World.Recording: dst timeline asks for them with -sim.records),
// a hidden "state" record each time a dispatcher's session moves to
// another row of PROTOCOL.md 1.4's table or another epoch: the
// timeline's per-dispatcher state bands. Its fields are d (the
// dispatcher, d9), node, state (session.Snapshot.State: New, WaitLocal,
// Probing, OnRemote, OnLocal, TwoPhaseReady, Removed, ...; "closed" once
// the node's collector no longer has the session), epoch and current
// (the current event service), and busy=1 while a transition holds the
// session's requestMu (Snapshot.InTransition: the fields may be half
// written, so the state may read as unreachable until it exits).
//
// It is an observation: it reads the sessions between steps through its
// own cluster.Watch, draws nothing and fails nothing, and an unrecorded
// run does not install it at all, so no hash moves. It is installed
// before the checkers, so the state at a failing step is recorded too.
func recordStates(w *sim.World, c *cluster.Cluster) {
	if !w.Recording() {
		return
	}
	watch := c.Watch()
	var last []string // by Dispatcher.Index: the state last recorded
	var buf []*cluster.Dispatcher
	w.Invariant("timeline: session states", 1, func() error {
		buf = c.TakeChanged(watch, buf[:0])
		for _, d := range buf {
			for len(last) <= d.Index {
				last = append(last, "")
			}
			state, epoch, current, busy := "closed", "", "", ""
			if s := statOf(c, d); s != nil {
				snap := s.Snapshot()
				state = snap.State(d.Node())
				epoch, current = strconv.FormatUint(snap.Epoch, 10), string(snap.CurrentEventServiceID)
				if snap.InTransition {
					busy = "1"
				}
			}
			key := state + "/" + epoch + "/" + current + "/" + busy
			if key == last[d.Index] || (state == "closed" && last[d.Index] == "") {
				continue
			}
			last[d.Index] = key
			w.Record("state", sim.F("d", d.ID().String()), sim.F("node", string(d.Node())),
				sim.F("state", state), sim.F("epoch", epoch), sim.F("current", current), sim.F("busy", busy))
		}
		return nil
	})
}
