package session

import "github.com/cdcsim/cdcsim/wire"

// HeartbeatReport is T10 (getHeartbeatReport, PROTOCOL.md 3.5): if a
// service is current, the progress to add to the heartbeat for it:
// (current, min(cp, maxEventTs), epoch). ok is false when there is none.
//
// The cap by maxEventTs exists because old-epoch events already handed to
// the sink can still flush after a reset and push cp beyond anything the
// new epoch has delivered; reporting that cp would let the server GC or
// skip data the new epoch still needs (#4492, PR #4566).
//
// The two reads, current and the epoch record, are not atomic (4.3 race
// 1): a transition between them yields a mismatched pair, (old service,
// new epoch) or (new service, old epoch), which the server discards by its
// epoch check. The Yield between them is the scheduling point that lets
// the simulator produce that interleaving.
func (s *Stat) HeartbeatReport() (to wire.ServerID, p wire.DispatcherProgress, ok bool) {
	s.session.coverTransition(tT10)
	current := s.session.getEventServiceID()
	if current == "" {
		return "", wire.DispatcherProgress{}, false
	}
	s.rt.Yield()
	st := s.loadCurrentEpochState()
	maxEventTs := wire.Ts(st.maxEventTs.Load())
	checkpointTs := min(s.target.CheckpointTs(), maxEventTs)
	return current, wire.DispatcherProgress{DispatcherID: s.target.ID(), CheckpointTs: checkpointTs, Epoch: st.epoch}, true
}

// EventServiceID returns the current event service, "" if none
// (getEventServiceID: the congestion-control loop's and the heartbeat's
// read, under connState's read lock, without requestMu).
func (s *Stat) EventServiceID() wire.ServerID { return s.session.getEventServiceID() }

func (s *dispatcherSession) getEventServiceID() wire.ServerID {
	return s.connState.getCurrentEventServiceID()
}
