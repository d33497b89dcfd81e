package eventservice

import (
	"errors"
	"fmt"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/internal/chunk"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/wire"
)

// This file is the send side (TiCDC's runSendMessageWorker, sendMsg):
// events leave through message workers, each a task with its own queue.
// A dispatcher always uses the same worker, so its events stay FIFO from
// scan to network (PROTOCOL.md 2.5).

// wrapEvent is one queued message: an event for collector to, or a
// resolved event to be batched.
type wrapEvent struct {
	to       wire.ServerID
	msg      wire.Event // nil for a resolved event
	resolved wire.ResolvedEvent
}

// messageWorker sends one share of the service's events. It caches
// resolved events per collector and sends them as one BatchResolvedEvent
// before any other message to the same collector, when ResolvedCacheSize
// are cached, and at the latest ResolvedFlushInterval after the first was
// cached (TiCDC flushes on a free-running 25 ms ticker; arming the flush
// only when the cache fills saves the idle ticks and keeps the bound).
type messageWorker struct {
	b     *eventBroker
	index int
	queue *clock.Mailbox[wrapEvent]
	// caches per collector, in the order collectors were first seen, so
	// the timed flush goes out in a deterministic order.
	caches []*resolvedCache
	// flush receives a tick when the flush timer fires; flushArmed says
	// the timer is pending. Both are touched by the worker task only,
	// except the tick the timer callback puts in flush.
	flush      *clock.Mailbox[clock.Time]
	flushArmed bool
	// tick is the flush timer's callback, made once.
	tick func()
	// events and batches carve the resolved caches and the batches that
	// carry them away from chunks: a flush happens every few steps, and
	// each batch lives only until the collector has read it.
	events  chunk.Of[wire.ResolvedEvent]
	batches chunk.Of[wire.BatchResolvedEvent]
}

type resolvedCache struct {
	to     wire.ServerID
	events []wire.ResolvedEvent
	last   int // the length of the last flush, the first size of the next cache
}

func newMessageWorker(b *eventBroker, index int) *messageWorker {
	name := fmt.Sprintf("eventservice/%s/worker-%d", b.cfg.Node, index)
	return &messageWorker{b: b, index: index,
		queue:   clock.NewUnbounded[wrapEvent](b.rt, name),
		flush:   clock.NewMailbox[clock.Time](b.rt, name+"/flush", 1),
		events:  chunk.Of[wire.ResolvedEvent]{Size: 4096},
		batches: chunk.Of[wire.BatchResolvedEvent]{Size: 256}}
}

// enqueue queues an event for d's collector on d's worker. It never
// blocks, so it may be called with the broker's mutex held.
func (c *eventBroker) enqueue(d *dispatcherStat, e wire.Event) {
	c.workers[d.messageWorkerIndex].queue.Send(wrapEvent{to: d.info.ServerID, msg: e})
}

func (c *eventBroker) enqueueResolved(d *dispatcherStat, e wire.ResolvedEvent) {
	c.workers[d.messageWorkerIndex].queue.Send(wrapEvent{to: d.info.ServerID, resolved: e})
}

// sendNotReusableEvent answers a REGISTER the event store refused.
func (c *eventBroker) sendNotReusableEvent(d *dispatcherStat) {
	c.enqueue(d, &wire.NotReusableEvent{DispatcherID: d.id})
}

// run is the worker task: it never holds the broker's mutex, so a send
// blocked on congestion delays only this worker's dispatchers.
func (w *messageWorker) run() {
	var m wrapEvent
	var tick clock.Time
	cases := []clock.Case{w.queue.Case(&m), w.flush.Case(&tick)}
	for {
		i, ok := clock.Select(w.b.rt, cases...)
		if !ok || w.b.closed.Load() {
			return // closed: what the worker still holds is never sent
		}
		if i == 1 {
			w.flushArmed = false
			for _, cache := range w.caches {
				w.flushResolved(cache)
			}
			continue
		}
		if m.msg == nil {
			w.addResolved(m.to, m.resolved)
			continue
		}
		// Resolved events queued before this message go first, so the
		// collector never sees a resolved seq older than data it already
		// has.
		w.flushResolved(w.cache(m.to))
		w.sendMsg(m.to, m.msg)
	}
}

func (w *messageWorker) cache(to wire.ServerID) *resolvedCache {
	for _, c := range w.caches {
		if c.to == to {
			return c
		}
	}
	c := &resolvedCache{to: to}
	w.caches = append(w.caches, c)
	return c
}

func (w *messageWorker) addResolved(to wire.ServerID, e wire.ResolvedEvent) {
	cache := w.cache(to)
	if len(cache.events) == cap(cache.events) {
		cache.events = w.grow(cache.events, cache.last)
	}
	cache.events = append(cache.events, e)
	if len(cache.events) >= w.b.cfg.ResolvedCacheSize {
		w.flushResolved(cache)
		return
	}
	if !w.flushArmed {
		w.flushArmed = true
		if w.tick == nil {
			w.tick = func() { w.flush.TrySend(w.b.rt.Now()) }
		}
		w.b.rt.Schedule(w.b.cfg.ResolvedFlushInterval, w.tick)
	}
}

func (w *messageWorker) flushResolved(cache *resolvedCache) {
	if len(cache.events) == 0 {
		return
	}
	batch := w.batches.New()
	batch.Events = cache.events
	// The message keeps the slice; the next one starts at this one's
	// length (grow), so a steady flow seldom grows a cache.
	cache.events, cache.last = nil, len(cache.events)
	w.sendMsg(cache.to, batch)
}

// grow returns the pending events s in a new slice with room for more:
// at least hint (the last flush's length), at least twice len(s), at
// most ResolvedCacheSize (a full cache is flushed before it grows).
func (w *messageWorker) grow(s []wire.ResolvedEvent, hint int) []wire.ResolvedEvent {
	n := min(max(hint, 2*len(s), 4), max(w.b.cfg.ResolvedCacheSize, len(s)+1))
	out := w.events.Make(n)[:len(s)]
	copy(out, s)
	return out
}

// sendMsg sends msg on the event stream: a congested stream is retried
// every SendRetry, forever, blocking this worker; any other error drops
// the message, and the collector finds the gap by seq.
func (w *messageWorker) sendMsg(to wire.ServerID, msg any) {
	for {
		err := w.b.cfg.Endpoint.Send(to, wire.StreamEvent, msg)
		switch {
		case err == nil:
			return
		case errors.Is(err, network.ErrCongested):
			w.b.rt.Sleep(w.b.cfg.SendRetry)
		default:
			w.b.tracef("dropped %v to %s: %v", msg, to, err)
			return
		}
	}
}
