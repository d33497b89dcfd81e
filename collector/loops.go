package collector

import (
	"slices"
	"strings"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/wire"
)

// routeEvents is the message-center router of the event stream: one task
// for all event topics. Events go to their dispatcher's path; coordinator
// traffic goes to the log-coordinator client (T2 runs here).
func (c *EventCollector) routeEvents() {
	in := c.cfg.Endpoint.Inbox(wire.StreamEvent)
	for {
		env, ok := in.Recv()
		if !ok {
			return
		}
		if c.closed.Load() {
			continue // closed: nothing reads the receive channels any more
		}
		c.routeEvent(env)
	}
}

func (c *EventCollector) routeEvent(env network.Envelope) {
	switch m := env.Msg.(type) {
	case *wire.LogCoordinatorBroadcast:
		c.coord.setCoordinator(m.CoordinatorID)
	case *wire.ReusableEventServiceResponse:
		c.coord.handleResponse(m)
	case *wire.BatchResolvedEvent:
		for i := range m.Events {
			c.dispatch(env.From, &m.Events[i])
		}
	case wire.Event:
		c.dispatch(env.From, m)
	default:
		panic("collector: unexpected event-stream message " + env.String())
	}
}

// push routes one event to its dispatcher's path; an event for a
// dispatcher the collector does not have (removed, or never added here)
// is dropped, as a push to a removed dynstream path is.
func (c *EventCollector) push(from wire.ServerID, ev wire.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.dispatcherMap[ev.Dispatcher()]
	if d == nil {
		c.stats.UnknownDispatcherEvents++
		return
	}
	c.ds.push(d.path, item{from: from, ev: ev})
}

// routeCommands is the command-stream router: heartbeat responses.
func (c *EventCollector) routeCommands() {
	in := c.cfg.Endpoint.Inbox(wire.StreamCommand)
	for {
		env, ok := in.Recv()
		if !ok {
			return
		}
		if c.closed.Load() {
			continue
		}
		switch m := env.Msg.(type) {
		case *wire.DispatcherHeartbeatResponse:
			c.handleDispatcherHeartbeatResponse(env.From, m)
		default:
			panic("collector: unexpected command-stream message " + env.String())
		}
	}
}

// handleDispatcherHeartbeatResponse drives T8 for every dispatcher the
// service says it no longer has.
func (c *EventCollector) handleDispatcherHeartbeatResponse(from wire.ServerID, resp *wire.DispatcherHeartbeatResponse) {
	for _, st := range resp.States {
		if st.State != wire.StateRemoved {
			continue
		}
		if d := c.lookup(st.DispatcherID); d != nil {
			retried := d.stat.RetryCurrentRegistrationIfRemovedFrom(from)
			c.tracef("%s removed from %s: re-registered %t", st.DispatcherID, from, retried)
		}
	}
}

// sendEventServiceHeartbeats runs T10 for every dispatcher every
// HeartbeatInterval and sends one heartbeat per target service
// (groupHeartbeat), in service order: sorted by ServerID, so the order
// depends on neither map iteration nor which dispatcher met a service
// first (TiCDC ranges over a map here).
func (c *EventCollector) sendEventServiceHeartbeats() {
	clock.Every(c.rt, string(c.cfg.Node)+"/heartbeat", c.cfg.HeartbeatInterval, func() {
		if c.closed.Load() {
			return
		}
		var order []wire.ServerID
		byService := map[wire.ServerID]*wire.DispatcherHeartbeat{}
		for _, id := range c.dispatcherIDs() {
			d := c.lookup(id)
			if d == nil {
				continue // removed while T10 yielded
			}
			to, p, ok := d.stat.HeartbeatReport()
			if !ok {
				continue
			}
			hb := byService[to]
			if hb == nil {
				hb = &wire.DispatcherHeartbeat{From: c.cfg.Node}
				byService[to] = hb
				order = append(order, to)
			}
			hb.Progress = append(hb.Progress, p)
		}
		slices.Sort(order)
		for _, to := range order {
			c.enqueueHeartbeat(to, byService[to])
		}
	})
}

// controlCongestion sends, every CongestionInterval, one CongestionControl
// to each service that is current for at least one dispatcher, with the
// available memory of the dispatchers it serves. It is sent directly, not
// through the request queue; a failure is only logged.
func (c *EventCollector) controlCongestion() {
	clock.Every(c.rt, string(c.cfg.Node)+"/congestion", c.cfg.CongestionInterval, func() {
		if c.closed.Load() {
			return
		}
		for _, m := range c.newCongestionControlMessages() {
			if err := c.cfg.Endpoint.Send(m.to, wire.StreamCommand, m.msg); err != nil {
				c.tracef("congestion control to %s: %v", m.to, err)
			}
		}
	})
}

type congestionMessage struct {
	to  wire.ServerID
	msg *wire.CongestionControl
}

// newCongestionControlMessages groups dispatchers by their current
// service; dispatchers without one contribute nothing (PROTOCOL.md 3.6).
func (c *EventCollector) newCongestionControlMessages() []congestionMessage {
	var out []congestionMessage
	index := map[wire.ServerID]int{}
	for _, id := range c.dispatcherIDs() {
		d := c.lookup(id)
		if d == nil {
			continue // removed while an earlier EventServiceID yielded
		}
		to := d.stat.EventServiceID()
		if to == "" {
			continue
		}
		i, ok := index[to]
		if !ok {
			i = len(out)
			index[to] = i
			out = append(out, congestionMessage{to: to, msg: &wire.CongestionControl{From: c.cfg.Node}})
		}
		c.mu.Lock()
		out[i].msg.Changefeeds = addQuota(out[i].msg.Changefeeds, d)
		c.mu.Unlock()
	}
	// In service order, as the heartbeats go.
	slices.SortFunc(out, func(a, b congestionMessage) int { return strings.Compare(string(a.to), string(b.to)) })
	return out
}

// addQuota adds d's available memory to its changefeed's entry. Called
// with c.mu held.
func addQuota(cfs []wire.ChangefeedQuota, d *dispatcher) []wire.ChangefeedQuota {
	a := d.path.area
	for i := range cfs {
		if cfs[i].ChangefeedID == a.id {
			cfs[i].Dispatchers = append(cfs[i].Dispatchers, wire.DispatcherQuota{DispatcherID: d.target.ID(), Available: a.available()})
			return cfs
		}
	}
	return append(cfs, wire.ChangefeedQuota{ChangefeedID: a.id, Available: a.available(), UsageRatio: a.usage(),
		MemoryReleaseCount: a.releases,
		Dispatchers:        []wire.DispatcherQuota{{DispatcherID: d.target.ID(), Available: a.available()}}})
}
