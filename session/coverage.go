package session

import "github.com/cdcsim/cdcsim/wire"

// Coverage points of the session (clock.CoverFunc): each transition
// T1-T10 of PROTOCOL.md 3.1 crossed with the connection state it starts
// from, "session/<T>/<state>" ("session/T8/OnRemoteRereg"). The state is
// a summary of connState (1.4) read at the transition's start, after
// requestMu is taken where the transition takes it. A sweep's coverage
// summary then says which (state, transition) pairs the workloads reach;
// a pair never reached is a part of the table no seed has tested.

// transition names one of T1-T10 for coverage.
type transition int

const (
	tT1 transition = iota
	tT2
	tT3
	tT4
	tT5
	tT6
	tT7
	tT8
	tT9
	tT10
	numTransitions
)

// coverState summarises connState for coverage.
type coverState int

const (
	stIdle               coverState = iota // nothing current, nothing pending
	stRegistering                          // waiting for L's Ready
	stProbing                              // a remote probe pending, L not asked
	stRegisteringProbing                   // both
	stOnLocal                              // L current
	stOnLocalRereg                         // L current, re-registering to L (T8)
	stOnRemote                             // R current (L's Ready pending, 1.4)
	stOnRemoteRereg                        // R current and re-registering to R
	stRemoved
	numCoverStates
)

var (
	transitionNames = [numTransitions]string{"T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "T10"} //dst:allow package-state: a read-only table
	coverStateNames = [numCoverStates]string{                                                             //dst:allow package-state: a read-only table
		"Idle", "Registering", "Probing", "RegisteringProbing", "OnLocal", "OnLocalRereg", "OnRemote", "OnRemoteRereg", "Removed"}
	// coverPoints holds every point name, built once so a hit
	// allocates nothing.
	coverPoints = buildCoverPoints() //dst:allow package-state: a read-only table
)

func buildCoverPoints() (p [numTransitions][numCoverStates]string) {
	for t, tn := range transitionNames {
		for st, sn := range coverStateNames {
			p[t][st] = "session/" + tn + "/" + sn
		}
	}
	return p
}

// CoverPoints returns every coverage point the session can record, the
// registry a sweep's summary compares what it reached against.
func CoverPoints() []string {
	var out []string
	for _, row := range coverPoints {
		out = append(out, row[:]...)
	}
	return out
}

// coverTransition records transition t from the current state. It reads
// connState without its lock: that is only safe, and only done, under
// the simulator (cover is nil in real mode), where one task runs at a
// time; taking the lock would add a scheduling point and move the hash.
func (s *dispatcherSession) coverTransition(t transition) {
	if s.cover == nil {
		return
	}
	s.cover(coverPoints[t][s.connState.coverState(s.localServerID)])
}

// coverProbeNext records T5' moving a probe on to the next candidate,
// "session/probe/next": the step that makes a dispatcher's later
// candidates useful at all.
func (s *dispatcherSession) coverProbeNext() {
	if s.cover != nil {
		s.cover("session/probe/next")
	}
}

// coverRemoteHandshake records a remote event service's Handshake
// accepted, "session/handshake/remote": the end of T4' that shows a
// remote actually streams (an accepted Ready alone, session/T4/*, does
// not: the RESET that follows it could be lost or never sent).
func (s *dispatcherSession) coverRemoteHandshake() {
	if s.cover != nil {
		s.cover("session/handshake/remote")
	}
}

// readyTransition is T3 for a Ready from L, T4 for one from a remote.
func (s *dispatcherSession) readyTransition(from wire.ServerID) transition {
	if from == s.localServerID {
		return tT3
	}
	return tT4
}

// coverState summarises d; see coverState's constants.
func (d *dispatcherConnState) coverState(local wire.ServerID) coverState {
	current, pending := d.currentEventServiceID, d.pendingRemoteEventServiceID
	switch {
	case d.removed:
		return stRemoved
	case current == "" && d.localReadyPending && pending != "":
		return stRegisteringProbing
	case current == "" && d.localReadyPending:
		return stRegistering
	case current == "" && pending != "":
		return stProbing
	case current == "":
		return stIdle
	case current == local && d.localReadyPending:
		return stOnLocalRereg
	case current == local:
		return stOnLocal
	case pending == current:
		return stOnRemoteRereg
	}
	return stOnRemote
}
