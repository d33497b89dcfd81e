package collector

// Close is TiCDC's EventCollector.Close
// (downstreamadapter/eventcollector/event_collector.go): it cancels the
// collector's goroutines, waits for them and closes its dynamic stream.
// A node's graceful shutdown calls it after the dispatcher orchestrator
// has removed every dispatcher (package cluster, shutdown.go), so the
// REMOVEs those removals queued are sent only if the send task reached
// them first: what the send queue still holds at Close is never sent,
// and a remote event service keeps such a record until its inactivity
// sweep (PROTOCOL.md 3.2 f), as with a REMOVE lost on the network.
//
// In the model every task of the collector stops at its next step: the
// send queue, the receive channels (full or not), the dynstream workers,
// the release feedback and the coordinator client drop what they hold;
// the heartbeat, congestion and stuck-area tickers do nothing more; the
// routers drop what arrives. The mailboxes are closed so that a task
// blocked on one (the event router on a full receive channel) wakes.
// Where TiCDC's message-center handler would block on a full receive
// channel until the message center closes, the model's router drops the
// message at once: either way it reaches no dispatcher, and the node
// goes down right after. A request queued after Close (a dispatcher
// added to a stopping node) is dropped. Closing twice does nothing.
func (c *EventCollector) Close() {
	if c.closed.Swap(true) {
		return
	}
	c.mu.Lock()
	lost := c.requests.Len()
	held := 0
	for _, ch := range c.recv {
		held += ch.Len()
	}
	c.mu.Unlock()
	c.tracef("event collector closed: %d queued requests never sent, %d events in receive channels dropped", lost, held)
	if c.cover != nil {
		c.cover("collector/close")
		if lost > 0 {
			c.cover("collector/close/requests-lost")
		}
		if held > 0 {
			c.cover("collector/close/receive-dropped")
		}
	}
	c.requests.Close()
	for _, ch := range c.recv {
		ch.Close()
	}
	c.feedback.Close()
	for _, q := range c.ds.workers {
		q.Close()
	}
	c.coord.queue.Close()
}

// Closed reports whether Close was called.
func (c *EventCollector) Closed() bool { return c.closed.Load() }
