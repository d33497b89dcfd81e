package collector

import (
	"errors"

	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/wire"
)

// commonMsgRetryQuota is the number of send attempts of a droppable
// request to a remote event service (PROTOCOL.md 7).
const commonMsgRetryQuota = 3

// request is one entry of the send queue (dispatcherMessageChan).
type request struct {
	to  wire.ServerID
	msg any // *wire.DispatcherRequest or *wire.DispatcherHeartbeat
	// droppable requests lose one unit of retryQuota per failed attempt
	// and are dropped when it reaches zero.
	droppable  bool
	retryQuota int
}

// enqueueMessageForSend is the session's sendMessage: it runs inside the
// session's requestMu critical section and must not block, so it only
// appends to the unbounded queue (PROTOCOL.md 4.2).
func (c *EventCollector) enqueueMessageForSend(to wire.ServerID, req *wire.DispatcherRequest) {
	r := request{to: to, msg: req}
	c.observe(to, req)
	if to != c.cfg.Node {
		r.droppable, r.retryQuota = true, commonMsgRetryQuota
	}
	if !c.requests.Send(r) && !c.closed.Load() {
		panic("collector: request queue closed")
	}
}

// enqueueHeartbeat queues a heartbeat: droppable, dropped on its first
// failure.
func (c *EventCollector) enqueueHeartbeat(to wire.ServerID, hb *wire.DispatcherHeartbeat) {
	c.observe(to, hb)
	c.requests.Send(request{to: to, msg: hb, droppable: true, retryQuota: 1})
}

// observe reports a queued message to Config.ObserveRequest, if set.
func (c *EventCollector) observe(to wire.ServerID, msg any) {
	if c.cfg.ObserveRequest != nil {
		c.cfg.ObserveRequest(to, msg)
	}
}

// sendDispatcherRequests drains the queue. A failed request goes back to
// the tail, so later requests overtake it (PROTOCOL.md 2.5, 4.3 race 3).
func (c *EventCollector) sendDispatcherRequests() {
	for {
		r, ok := c.requests.Recv()
		if !ok || c.closed.Load() {
			return // closed: the requests still queued are never sent
		}
		err := c.cfg.Endpoint.Send(r.to, wire.StreamCommand, r.msg)
		if err == nil {
			c.countSent(r)
			continue
		}
		if r.droppable {
			r.retryQuota--
			if r.retryQuota <= 0 {
				c.countDropped(r, err)
				continue
			}
		}
		c.mu.Lock()
		c.stats.RequestRetries++
		c.mu.Unlock()
		c.coverRequeue(r, err)
		c.requests.Send(r)
		if errors.Is(err, network.ErrCongested) {
			c.rt.Sleep(c.cfg.CongestedDelay)
		} else {
			c.rt.Sleep(c.cfg.ResendDelay)
		}
	}
}

func (c *EventCollector) countSent(r request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, hb := r.msg.(*wire.DispatcherHeartbeat); hb {
		c.stats.HeartbeatsSent++
		return
	}
	c.stats.RequestsSent++
}

func (c *EventCollector) countDropped(r request, err error) {
	c.mu.Lock()
	if _, hb := r.msg.(*wire.DispatcherHeartbeat); hb {
		c.stats.HeartbeatsDropped++
		c.mu.Unlock()
		return
	}
	c.stats.RequestsDropped++
	c.mu.Unlock()
	c.tracef("drop %v to %s after its last attempt: %v", r.msg, r.to, err)
}
