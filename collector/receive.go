package collector

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/fault"
	"github.com/cdcsim/cdcsim/wire"
)

// Receive channels and memory feedback (PROTOCOL.md 1.5, 2.5, 4.1).
//
// The event-stream router does not push into the event path itself: it
// hands each event to one of the receive channels (32 in TiCDC, 8192
// deep), chosen by the (sender, dispatcher) pair so that one server's
// stream for one dispatcher always lands on the same channel and stays in
// order. A runDispatchMessage task per channel pushes into the event path.
// The router's send blocks while a channel is full, which back-pressures
// everything on the event stream, coordinator answers included.
//
// Memory release is asynchronous: the event path, seeing an area at 1.5x
// its quota, posts feedback; the processDSFeedback task releases blocked
// paths when it runs. The stuck-area detector posts the same feedback when
// an area keeps receiving events, has not shrunk for StuckWindow, and is
// above StuckUsage of its quota.

// startReceive creates the receive channels and starts their tasks, the
// feedback task and the stuck-area detector.
func (c *EventCollector) startReceive() {
	for i := range c.recv {
		ch := c.recv[i]
		c.rt.Go(fmt.Sprintf("collector/runDispatchMessage-%d", i), func() { c.runDispatchMessage(ch) })
	}
	c.rt.Go("collector/processDSFeedback", c.processDSFeedback)
	c.rt.Go("collector/checkStuckAreas", c.checkStuckAreas)
}

func newReceiveChannels(rt clock.Runtime, node wire.ServerID, n, size int) []*clock.Mailbox[item] {
	chans := make([]*clock.Mailbox[item], max(n, 1))
	for i := range chans {
		chans[i] = clock.NewMailbox[item](rt, fmt.Sprintf("%s/receiveChannel-%d", node, i), max(size, 1))
	}
	return chans
}

// receiveChannel picks the channel of a (sender, dispatcher) stream.
func (c *EventCollector) receiveChannel(from wire.ServerID, id wire.DispatcherID) *clock.Mailbox[item] {
	h := uint64(id) * 0x9e3779b97f4a7c15
	for i := 0; i < len(from); i++ {
		h = (h ^ uint64(from[i])) * 0x100000001b3
	}
	return c.recv[h%uint64(len(c.recv))]
}

// dispatch hands an event to its receive channel, blocking while it is
// full. It runs on the event-stream router, with no guard held.
func (c *EventCollector) dispatch(from wire.ServerID, ev wire.Event) {
	c.receiveChannel(from, ev.Dispatcher()).Send(item{from: from, ev: ev})
}

// runDispatchMessage drains one receive channel into the event path.
func (c *EventCollector) runDispatchMessage(ch *clock.Mailbox[item]) {
	for {
		it, ok := ch.Recv()
		if !ok || c.closed.Load() {
			return // closed: what the channel still holds is lost
		}
		c.push(it.from, it.ev)
	}
}

// requestRelease posts release feedback for an area, once until the
// feedback task has handled it. Called with c.mu held; the feedback
// mailbox is unbounded, so posting never blocks.
func (c *EventCollector) requestRelease(a *area) {
	if a.releaseQueued {
		return
	}
	a.releaseQueued = true
	c.feedback.Send(a)
}

// processDSFeedback carries out the event path's release feedback.
func (c *EventCollector) processDSFeedback() {
	for {
		a, ok := c.feedback.Recv()
		if !ok || c.closed.Load() {
			return
		}
		c.mu.Lock()
		a.releaseQueued = false
		victims := c.chooseRelease(a)
		late := len(victims) > 0 && c.rt.Buggify(fault.ReleaseLate)
		if !late {
			c.release(victims)
		}
		c.mu.Unlock()
		if late {
			// The release reaches the stream after two channel hops (the
			// feedback channel, then the stream's input): by then a path
			// may have been woken and received new events.
			c.rt.Sleep(time.Duration(1 + c.rt.Rand(fault.ReleaseLate).Int64N(int64(releaseLateMax))))
			c.mu.Lock()
			c.release(victims)
			c.mu.Unlock()
		}
	}
}

// releaseLateMax bounds the delay of a late release (fault.ReleaseLate).
const releaseLateMax = 2 * time.Second

// checkStuckAreas is the dynstream's stuck-area detector, run every
// ReleaseInterval.
func (c *EventCollector) checkStuckAreas() {
	clock.Every(c.rt, string(c.cfg.Node)+"/stuck-areas", c.cfg.ReleaseInterval, func() {
		if c.closed.Load() {
			return
		}
		c.mu.Lock()
		now := c.rt.Now()
		for _, a := range c.sortedAreas() {
			if a.pending < a.lastPending || a.lastShrink == 0 {
				a.lastShrink = now
			}
			stuck := a.arrivals > 0 && now.Sub(a.lastShrink) >= c.cfg.StuckWindow && a.usage() > c.cfg.StuckUsage
			a.lastPending, a.arrivals = a.pending, 0
			if stuck {
				c.tracef("area %s stuck at %.0f%% for %v: release", a.id, 100*a.usage(), now.Sub(a.lastShrink))
				c.requestRelease(a)
			}
		}
		c.mu.Unlock()
	})
}

// sortedAreas returns the areas in changefeed order. Called with c.mu
// held.
func (c *EventCollector) sortedAreas() []*area {
	out := make([]*area, 0, len(c.areas))
	for _, a := range c.areas { //dst:allow map-range: sorted below
		out = append(out, a)
	}
	slices.SortFunc(out, func(x, y *area) int { return strings.Compare(string(x.id), string(y.id)) })
	return out
}

// Defaults of the receive side and the stuck detector (PROTOCOL.md 1.5, 7).
const (
	defaultReceiveChannels    = 32
	defaultReceiveChannelSize = 8192
	defaultStuckWindow        = 5 * time.Second
	defaultStuckUsage         = 0.6
)
