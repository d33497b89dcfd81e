package eventservice

// Close is TiCDC's eventService.Close (pkg/eventservice/event_service.go),
// which closes every broker: eventBroker.close cancels the broker's
// context and waits for its goroutines (scan workers, message workers,
// the sweep and the store reporter). A node's graceful shutdown calls it
// (package cluster, shutdown.go), as TiCDC's server.Close closes its
// sub-modules, the event service first.
//
// In the model the intake, scan, send workers, sweep and upload stop at
// their next step: no request or heartbeat is handled any more, no scan
// runs, and what the send workers hold is never sent. The records stay
// where they are, as TiCDC's do in memory, until the node goes down; a
// collector elsewhere sees them go only as it sees a crashed service's
// go: through its heartbeats' lack of answers (PROTOCOL.md 3.4) or its
// dispatchers moving away. The command router goes on taking messages
// until the node goes down, like TiCDC's message-center handler, which
// at close time is still registered: what it queues is not handled.
// Closing twice does nothing.
func (s *Service) Close() {
	if s.b.closed.Swap(true) {
		return
	}
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	s.b.covered("eventservice/close")
	s.b.tracef("event service closed: %d requests and %d heartbeats not handled, %d records left in memory",
		s.dispatcherInfoChan.Len(), s.dispatcherHeartbeat.Len(), len(s.b.dispatchers))
	// Wake the tasks that wait on these, so that they see closed.
	s.dispatcherInfoChan.Close()
	s.dispatcherHeartbeat.Close()
	s.b.scanRequests.Close()
	for _, w := range s.b.workers {
		w.queue.Close()
	}
}

// Closed reports whether Close was called.
func (s *Service) Closed() bool { return s.b.closed.Load() }
