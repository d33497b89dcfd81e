package collector

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/fault"
	"github.com/cdcsim/cdcsim/internal/tiassert"
	"github.com/cdcsim/cdcsim/wire"
)

// item is one queued event of a path, with its sender: Ready and
// NotReusable carry no server ID of their own, the sender is who counts.
type item struct {
	from wire.ServerID
	ev   wire.Event
	size uint64
}

// path is one dispatcher's queue in the dynamic stream. Its worker serves
// it serially: at most one batch of it is being handled at any time.
// id, d, area and worker never change; the other fields are guarded by
// the collector's mu.
type path struct {
	id      wire.DispatcherID
	d       *dispatcher
	area    *area
	worker  int
	queue   []item // Invariant: sum of sizes == pending.
	pending uint64
	// scheduled is true while the path sits in its worker's ready queue or
	// is being served; blocked while the sink holds it (until wake).
	scheduled bool
	blocked   bool
	removed   bool
	// serving is true while a batch of the path is in the handler; a wake
	// that arrives then (the sink flushed before the handler returned
	// "block") is remembered in woken, so the path does not block on a
	// wake that already happened.
	serving bool
	woken   bool
	// batch is the buffer takeBatch fills, reused: a path has one batch
	// in the handler at a time. wakeFn is the sink's wake for this path,
	// made once.
	batch  []item
	wakeFn func()
	// events is the batch's events as the handler gets them, reused
	// likewise (session.Target.HandleEvents borrows its slice).
	events []wire.Event
	// handledTs is the timestamp of the first event of the last batch
	// handed to the handler (TiCDC's pathInfo.lastHandleEventTs, set from
	// EventsHandler.GetTimestamp, the event's commit ts): the order of
	// a memory release (chooseRelease).
	handledTs wire.Ts
}

// area is a changefeed's memory accounting (the dynstream's area). id
// never changes; the other fields are guarded by the collector's mu.
type area struct {
	id          wire.ChangefeedID
	quota       uint64
	pending     uint64
	dispatchers int
	releases    uint64     // MemoryReleaseCount
	lastRelease clock.Time // memory release at most once per ReleaseInterval
	released    bool       // whether any release happened
	paths       []*path    // in creation order, for release
	// releaseQueued is set while release feedback for the area waits for
	// the feedback task; arrivals, lastPending and lastShrink feed the
	// stuck-area detector.
	releaseQueued bool
	arrivals      uint64
	lastPending   uint64
	lastShrink    clock.Time
}

func (a *area) available() uint64 {
	if a.pending >= a.quota {
		return 0
	}
	return a.quota - a.pending
}

func (a *area) usage() float64 { return float64(a.pending) / float64(max(a.quota, 1)) }

// overLimit is the dynstream's drop and release threshold: pending at or
// above 1.5 times the quota.
func (a *area) overLimit() bool { return 2*a.pending >= 3*a.quota }

// dynStream is the collector's event path: paths served by a fixed set of
// worker tasks, each with a FIFO of ready paths.
type dynStream struct {
	c       *EventCollector
	workers []*clock.Mailbox[*path]
}

func newDynStream(c *EventCollector) *dynStream {
	ds := &dynStream{c: c}
	for i := range max(c.cfg.Workers, 1) {
		ds.workers = append(ds.workers, clock.NewUnbounded[*path](c.rt, fmt.Sprintf("%s/ds-worker-%d", c.cfg.Node, i)))
	}
	return ds
}

func (ds *dynStream) start() {
	for i, q := range ds.workers {
		ds.c.rt.Go(fmt.Sprintf("collector/ds-worker-%d", i), func() { ds.work(q) })
	}
}

// area returns the changefeed's area, creating it, with quota as its
// settings: as TiCDC's addPathToArea stores the settings of every path it
// adds, the latest dispatcher's quota is the area's. Called with c.mu held.
func (c *EventCollector) area(id wire.ChangefeedID, quota uint64) *area {
	a := c.areas[id]
	if a == nil {
		a = &area{id: id}
		c.areas[id] = a
	}
	a.quota = max(quota, 1)
	return a
}

// addPath creates a dispatcher's path. Called with c.mu held.
func (ds *dynStream) addPath(id wire.DispatcherID, a *area, d *dispatcher) *path {
	p := &path{id: id, d: d, area: a, worker: int(uint64(id) % uint64(len(ds.workers)))}
	a.paths = append(a.paths, p)
	return p
}

// removePath is ds.RemovePath: queued events are dropped; later pushes
// find no path. The area goes with its last path, as in TiCDC's
// removePathFromArea: a changefeed whose dispatchers are all gone is
// no longer in the congestion-control message, and a dispatcher added
// to it later starts from a fresh area (no release count, no release
// interval running, no stuck-detector history). Called with c.mu held.
func (ds *dynStream) removePath(p *path) {
	p.removed = true
	ds.discard(p)
	a := p.area
	for i, x := range a.paths {
		if x == p {
			a.paths = append(a.paths[:i], a.paths[i+1:]...)
			break
		}
	}
	if len(a.paths) == 0 && ds.c.areas[a.id] == a {
		delete(ds.c.areas, a.id)
	}
}

// push queues an event on its path, applying memory control first.
// Called with c.mu held: the worker's mailbox is unbounded, so
// scheduling the path never blocks.
func (ds *dynStream) push(p *path, it item) {
	if p.removed {
		return
	}
	it.size = eventSize(it.ev)
	a := p.area
	a.arrivals++
	rt := ds.c.rt
	limit := a.overLimit()
	over := limit || rt.Buggify(fault.MemoryPressure)
	// What the drop decision is judged on (I23): the area before the
	// event, the event as it arrived.
	pendingBefore, arriving, dropped := a.pending, it.ev, false
	if over {
		ds.c.requestRelease(a)
	}
	if over || rt.Buggify(fault.DropEvent) {
		if drop, ok := dropEventFor(it.ev); ok {
			ds.c.stats.EventsDropped++
			it = item{from: it.from, ev: drop, size: eventSize(drop)}
			dropped = true
		}
	}
	ds.c.observeDrop(p, arriving, pendingBefore, dropped, dropped && !limit)
	if _, ok := it.ev.(*wire.ResolvedEvent); ok && len(p.queue) > 0 {
		if _, ok := p.queue[len(p.queue)-1].ev.(*wire.ResolvedEvent); ok {
			// A periodic signal replaces the queued one, whatever its epoch,
			// as TiCDC's dynstream does (PROTOCOL.md 2.5); the sizes are equal.
			it.size = p.queue[len(p.queue)-1].size
			p.queue[len(p.queue)-1] = it
			return
		}
	}
	p.queue = append(p.queue, it)
	p.pending += it.size
	a.pending += it.size
	ds.schedule(p)
}

// schedule puts a path with work in its worker's ready queue. Called
// with c.mu held.
func (ds *dynStream) schedule(p *path) {
	if p.scheduled || p.blocked || p.removed || len(p.queue) == 0 {
		return
	}
	p.scheduled = true
	ds.workers[p.worker].Send(p)
}

// work serves ready paths, one batch at a time, in the order they became
// ready.
func (ds *dynStream) work(q *clock.Mailbox[*path]) {
	for {
		p, ok := q.Recv()
		if !ok || ds.c.closed.Load() {
			return
		}
		ds.serve(p)
	}
}

// serve handles one batch of p. The handler calls into the session,
// which blocks, so mu is held only before and after it.
func (ds *dynStream) serve(p *path) {
	mu := ds.c.mu
	mu.Lock()
	if p.removed || len(p.queue) == 0 {
		p.scheduled = false
		mu.Unlock()
		return
	}
	batch := ds.takeBatch(p)
	p.serving, p.woken = true, false
	p.handledTs = eventTs(batch[0].ev)
	mu.Unlock()
	block := ds.handle(p, batch)
	clear(batch) // drop the events' references; the buffer is reused
	mu.Lock()
	defer mu.Unlock()
	p.serving, p.scheduled = false, false
	if block && !p.woken {
		p.blocked = true
		return
	}
	ds.schedule(p)
}

// takeBatch pops the next batch: a run of DML, batch DML and resolved
// events, or one event of any other kind. Called with c.mu held.
func (ds *dynStream) takeBatch(p *path) []item {
	n := 1
	if batchable(p.queue[0].ev) {
		for n < len(p.queue) && n < ds.c.cfg.BatchSize && batchable(p.queue[n].ev) && p.queue[n].from == p.queue[0].from {
			n++
		}
	}
	batch := append(p.batch[:0], p.queue[:n]...)
	p.batch = batch
	// Compact when what is left is no longer than what was taken (an
	// amortized O(1) copy per item), so the queue keeps its array and a
	// push rarely reallocates; otherwise slide the window forward.
	if rest := len(p.queue) - n; rest <= n {
		copy(p.queue, p.queue[n:])
		clear(p.queue[rest:])
		p.queue = p.queue[:rest]
	} else {
		clear(p.queue[:n])
		p.queue = p.queue[n:]
	}
	for _, it := range batch {
		p.pending -= it.size
		p.area.pending -= it.size
	}
	return batch
}

// handle is EventsHandler.Handle: signal events to the session's signal
// handling, everything else to the data path. It returns whether the path
// must wait for the sink's wake.
func (ds *dynStream) handle(p *path, batch []item) bool {
	switch ev := batch[0].ev.(type) {
	case *wire.ReadyEvent, *wire.NotReusableEvent:
		if len(batch) != 1 {
			tiassert.Failf("downstreamadapter/eventcollector/helper.go:EventsHandler.Handle",
				"unexpected multiple events for TypeReadyEvent or TypeNotReusableEvent",
				"node %s, dispatcher %s, %d events led by %s from %s", ds.c.cfg.Node, p.id, len(batch), ev, batch[0].from)
		}
		p.d.stat.HandleSignalEvent(batch[0].from, ev)
		return false
	}
	events := p.events[:0]
	for _, it := range batch {
		events = append(events, it.ev)
	}
	if p.wakeFn == nil {
		p.wakeFn = func() { ds.wake(p) }
	}
	block := p.d.stat.HandleDataEvents(batch[0].from, events, p.wakeFn)
	clear(events)
	p.events = events[:0]
	if block && ds.c.rt.Buggify(fault.HandlerSlow) {
		// The handler is slow to return: the sink may flush and wake the
		// path meanwhile, which serve must remember (woken).
		ds.c.rt.Sleep(time.Duration(1 + ds.c.rt.Rand(fault.HandlerSlow).Int64N(int64(handlerSlowMax))))
	}
	return block
}

// handlerSlowMax bounds how late a slow handler returns (fault.HandlerSlow).
const handlerSlowMax = 200 * time.Millisecond

// wake is the sink's signal that a blocked path may go on. It may be
// called from any task or callback, without mu, and never blocks.
func (ds *dynStream) wake(p *path) {
	ds.c.mu.Lock()
	defer ds.c.mu.Unlock()
	if p.serving {
		p.woken = true
		return
	}
	if !p.blocked {
		return
	}
	p.blocked = false
	ds.schedule(p)
}

// chooseRelease is the dynstream's memory release decision, TiCDC's
// areaMemStat.releaseMemory (utils/dynstream/memory_control.go): the
// paths in descending order of the timestamp they last handled (the
// furthest ahead first; ties by dispatcher ID, where TiCDC's sort.Slice
// leaves the order open), and of those the blocked ones holding at
// least 256 bytes, until the released size reaches 60 % of the area's
// pending size; at most once per ReleaseInterval. Called with c.mu held.
func (c *EventCollector) chooseRelease(a *area) []*path {
	now := c.rt.Now()
	if a.released && now.Sub(a.lastRelease) < c.cfg.ReleaseInterval {
		return nil
	}
	toRelease := a.pending * 6 / 10
	var victims []*path
	for _, p := range a.paths {
		if p.blocked && p.pending >= 256 {
			victims = append(victims, p)
		}
	}
	sortByHandledDesc(victims)
	released := uint64(0)
	for i, p := range victims {
		if released >= toRelease {
			victims = victims[:i]
			break
		}
		released += p.pending
	}
	if len(victims) > 0 {
		a.released, a.lastRelease = true, now
		a.releases++
		c.tracef("memory release in %s: %d blocked paths", a.id, len(victims))
	}
	return victims
}

// release discards the queues of the chosen paths: everything queued by
// now, whatever its kind (Handshake, Ready, resolved and DropEvents
// included) and whether or not the path is still blocked, since TiCDC's
// releasePath empties the queue it finds when the release reaches the
// stream. Discarded events are not reported to the handler: the next
// event of that epoch reveals the gap by its seq (PROTOCOL.md 3.6).
// Called with c.mu held.
func (c *EventCollector) release(victims []*path) {
	for _, p := range victims {
		if p.removed {
			continue
		}
		c.stats.PathsReleased++
		c.stats.EventsReleased += uint64(len(p.queue))
		c.ds.discard(p)
	}
}

// discard drops every queued event of a path. Called with c.mu held.
func (ds *dynStream) discard(p *path) {
	p.area.pending -= p.pending
	p.pending = 0
	clear(p.queue)
	p.queue = p.queue[:0]
}

// sortByHandledDesc orders paths by the timestamp they last handled,
// largest first, then by dispatcher ID.
func sortByHandledDesc(ps []*path) {
	slices.SortFunc(ps, func(a, b *path) int {
		if c := cmp.Compare(b.handledTs, a.handledTs); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
}

// eventTs is TiCDC's EventsHandler.GetTimestamp: the event's commit ts
// as its GetCommitTs gives it (a batch's is its last DML's, a
// handshake's its resolved ts, Ready's and NotReusable's 0).
func eventTs(ev wire.Event) wire.Ts {
	switch e := ev.(type) {
	case *wire.DMLEvent:
		return e.CommitTs
	case *wire.BatchDMLEvent:
		if len(e.DMLs) > 0 {
			return e.DMLs[len(e.DMLs)-1].CommitTs
		}
	case *wire.ResolvedEvent:
		return e.ResolvedTs
	case *wire.HandshakeEvent:
		return e.ResolvedTs
	case *wire.DDLEvent:
		return e.FinishedTs
	case *wire.SyncPointEvent:
		return e.CommitTs
	case *wire.DropEvent:
		return e.DroppedCommitTs
	}
	return 0
}

func batchable(ev wire.Event) bool {
	switch ev.(type) {
	case *wire.DMLEvent, *wire.BatchDMLEvent, *wire.ResolvedEvent:
		return true
	}
	return false
}

// dropEventFor returns the DropEvent that replaces a droppable event.
func dropEventFor(ev wire.Event) (*wire.DropEvent, bool) {
	switch e := ev.(type) {
	case *wire.DMLEvent:
		return &wire.DropEvent{DispatcherID: e.DispatcherID, DroppedSeq: e.Seq, DroppedEpoch: e.Epoch, DroppedCommitTs: e.CommitTs}, true
	case *wire.BatchDMLEvent:
		if len(e.DMLs) == 0 {
			return nil, false
		}
		f := e.DMLs[0]
		return &wire.DropEvent{DispatcherID: e.DispatcherID, DroppedSeq: f.Seq, DroppedEpoch: f.Epoch, DroppedCommitTs: f.CommitTs}, true
	case *wire.DDLEvent:
		return &wire.DropEvent{DispatcherID: e.DispatcherID, DroppedSeq: e.Seq, DroppedEpoch: e.Epoch, DroppedCommitTs: e.FinishedTs}, true
	case *wire.SyncPointEvent:
		return &wire.DropEvent{DispatcherID: e.DispatcherID, DroppedSeq: e.Seq, DroppedEpoch: e.Epoch, DroppedCommitTs: e.CommitTs}, true
	}
	return nil, false
}

// eventSize is the model's memory size of an event: what the area's
// quota is counted in.
func eventSize(ev wire.Event) uint64 {
	switch e := ev.(type) {
	case *wire.DMLEvent:
		return 64 + 32*uint64(len(e.Rows))
	case *wire.BatchDMLEvent:
		var n uint64 = 32
		for _, d := range e.DMLs {
			n += 64 + 32*uint64(len(d.Rows))
		}
		return n
	}
	return 48
}
