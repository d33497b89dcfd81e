package cluster

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/internal/tiassert"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/wire"
)

// Dispatcher is the model's dispatcher (PROTOCOL.md 1.1): the collector's
// target, with a sink whose checkpoint advances asynchronously after
// flushes. It records everything it was handed, in order, for the
// checkers.
//
// Its state is shared: HandleEvents runs on a collector worker, the flush
// in a Schedule callback, CheckpointTs is read by the session from any
// task, close by the manager. mu guards every field below it; the fields
// above never change. The exported fields are for checkers that read
// them when nothing runs any more (under the simulator, or in real mode
// after the runtime's Wait); while a run is live use the accessors.
type Dispatcher struct {
	rt    clock.Runtime
	id    wire.DispatcherID
	cf    wire.ChangefeedID
	span  wire.Span
	node  wire.ServerID
	flush network.Dist
	// options and skipSyncpointAtStartTs are the changefeed's request
	// options (Config.Options), set at creation.
	options                wire.RequestOptions
	skipSyncpointAtStartTs bool

	mu         *clock.Guard
	r          *rand.Rand
	startTs    wire.Ts
	resolvedTs wire.Ts // the dispatcher's resolved ts: max forwarded resolved, from startTs
	// pending is tableProgress: events handed to the sink, not yet flushed,
	// in the order handed. Invariant: every entry has CommitTs >= resolvedTs
	// at the time it was handed.
	pending     []Forwarded
	lastFlushed wire.Ts
	everFlushed bool
	// status is the dispatcher's ComponentState; tryRemoving is set once
	// a removal has begun (component_state.go).
	status      ComponentState
	tryRemoving bool
	timer       clock.Timer
	wake        func()
	// onDropWritten, if set, is called (on the flush's context, which
	// must not block) when the sink wrote the DDL that dropped the
	// dispatcher's table, with its commitTs (drop.go).
	onDropWritten func(dropTs wire.Ts)
	droppedBy     func(f Forwarded) bool
	// watches are the cluster's (Watch), nil for a dispatcher built
	// outside a cluster.
	watches *watches

	// Handed is every DML, DDL and sync point the collector forwarded and
	// the dispatcher accepted, in order; Flushed the ones its sink wrote.
	Handed, Flushed []Forwarded
	// StaleDropped counts events below the resolved ts that the dispatcher
	// filtered itself ("stale event", the second line of dedup).
	StaleDropped uint64
	// OfferedBack counts the DMLs, DDLs and sync points the collector
	// offered below the highest commitTs it had offered before, which its
	// watermark (PROTOCOL.md 3.4 step 4, the first line of dedup) must
	// never let through; FirstOfferedBack describes the first. Counted
	// before the stale filter, which would hide most of them, so a
	// checker (I4) sees each line of dedup on its own.
	OfferedBack      int
	FirstOfferedBack string
	offeredMax       wire.Ts
	// LateBatches counts the batches with data the collector offered
	// after the removal (PROTOCOL.md 5 I10: at most the one a dynstream
	// worker had already popped); HandedAtRemoval is len(Handed) then.
	// The dispatcher refuses them, as TiCDC's does by its removing status.
	LateBatches     int
	HandedAtRemoval int
	// Removed: the cluster closed the dispatcher (RemoveDispatcher, or its
	// node restarted after a crash: boot closes the previous
	// incarnation's dispatchers); nothing more reaches its sink.
	Removed bool
	// Index is the dispatcher's position in the cluster's Dispatchers.
	Index int
}

// Forwarded is one event that reached the sink.
type Forwarded struct {
	Kind     string // "DML", "DDL", "SyncPoint"
	CommitTs wire.Ts
	Epoch    uint64
	Seq      uint64
	Rows     []uint64
}

func newDispatcher(rt clock.Runtime, id wire.DispatcherID, cf wire.ChangefeedID, span wire.Span, node wire.ServerID, startTs wire.Ts, flush network.Dist) *Dispatcher {
	d := &Dispatcher{rt: rt, r: rt.Rand(fmt.Sprintf("cluster/sink/%s", id)), id: id, cf: cf, span: span, node: node,
		flush: flush, startTs: startTs, resolvedTs: startTs, mu: clock.NewGuard(rt)}
	// In real mode the callback may fire before Stop below: it then finds
	// nothing pending. timer is guarded like the rest.
	d.mu.Lock()
	defer d.mu.Unlock()
	d.timer = rt.Schedule(0, d.flushOne)
	d.timer.Stop()
	return d
}

func (d *Dispatcher) ID() wire.DispatcherID           { return d.id }
func (d *Dispatcher) ChangefeedID() wire.ChangefeedID { return d.cf }
func (d *Dispatcher) Span() wire.Span                 { return d.span }
func (d *Dispatcher) Mode() wire.Mode                 { return wire.ModeDefault }
func (d *Dispatcher) Node() wire.ServerID             { return d.node }

// RequestOptions is session.OptionsTarget: the changefeed's options.
func (d *Dispatcher) RequestOptions() wire.RequestOptions { return d.options }

// SkipSyncpointAtStartTs is session.OptionsTarget.
func (d *Dispatcher) SkipSyncpointAtStartTs() bool { return d.skipSyncpointAtStartTs }

// StartTs returns the start ts (SetStartTs changes it for a merge).
func (d *Dispatcher) StartTs() wire.Ts {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.startTs
}

// SetStartTs sets a merged dispatcher's start ts before its commit.
func (d *Dispatcher) SetStartTs(ts wire.Ts) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.changed()
	d.startTs = ts
	d.resolvedTs = max(d.resolvedTs, ts)
}

// CheckpointTs is the sink checkpoint (PROTOCOL.md 1.1): with events
// pending, the smallest pending commitTs minus 1; else the larger of the
// last flushed commitTs minus 1 and the resolved ts; if nothing was ever
// flushed, the resolved ts.
func (d *Dispatcher) CheckpointTs() wire.Ts {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.pending) > 0 {
		low := d.pending[0].CommitTs
		for _, p := range d.pending[1:] {
			low = min(low, p.CommitTs)
		}
		return low - 1
	}
	if d.everFlushed {
		return max(d.lastFlushed-1, d.resolvedTs)
	}
	return d.resolvedTs
}

// HandleEvents takes the events the collector validated. Events below the
// dispatcher's resolved ts are dropped as stale; data goes to the sink,
// which flushes one event after a sampled delay and then wakes the path:
// the path stays blocked while anything is pending.
func (d *Dispatcher) HandleEvents(events []wire.Event, wake func()) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.changed()
	if d.Removed {
		for _, ev := range events {
			if _, ok := ev.(*wire.ResolvedEvent); !ok {
				d.LateBatches++
				break
			}
		}
		return false
	}
	for _, ev := range events {
		if r, ok := ev.(*wire.ResolvedEvent); ok {
			d.resolvedTs = max(d.resolvedTs, r.ResolvedTs)
			continue
		}
		f := toForwarded(ev)
		if f.CommitTs < d.offeredMax {
			if d.OfferedBack++; d.OfferedBack == 1 {
				d.FirstOfferedBack = fmt.Sprintf("%s after commitTs %d", fmtForwardedEvent(f), d.offeredMax)
			}
		}
		d.offeredMax = max(d.offeredMax, f.CommitTs)
		if f.CommitTs < d.resolvedTs {
			d.StaleDropped++
			continue
		}
		if f.Kind != "DML" && len(events) != 1 {
			d.failBatchedBlockEvent(f, len(events))
		}
		if f.Kind == "SyncPoint" {
			if cover := clock.CoverFunc(d.rt); cover != nil {
				cover("cluster/sink/syncpoint")
			}
		}
		d.Handed = append(d.Handed, f)
		d.pending = append(d.pending, f)
	}
	if len(d.pending) == 0 {
		return false
	}
	d.wake = wake
	d.timer.Reset(d.flush.Sample(d.r))
	return true
}

// flushOne writes every pending event to the sink, then wakes the path
// (after releasing mu: the wake takes the collector's guard).
func (d *Dispatcher) flushOne() {
	d.mu.Lock()
	if d.Removed || len(d.pending) == 0 {
		d.mu.Unlock()
		return
	}
	d.changed()
	var dropTs wire.Ts
	for _, p := range d.pending {
		d.lastFlushed = max(d.lastFlushed, p.CommitTs)
		if d.droppedBy != nil && d.droppedBy(p) {
			dropTs = p.CommitTs
		}
	}
	d.Flushed = append(d.Flushed, d.pending...)
	d.pending = d.pending[:0]
	d.everFlushed = true
	w := d.wake
	d.wake = nil
	drop := d.onDropWritten
	d.mu.Unlock()
	if w != nil {
		w()
	}
	if dropTs != 0 && drop != nil {
		drop(dropTs)
	}
}

// AcceptedSyncPointAt reports whether the sink accepted a sync point at
// commitTs ts (looking back from its last event while the commitTs is
// not below ts). Checkers use it to tell the one step back of the
// checkpoint a sync point at the sink's resolved ts causes (package
// workloads, I7).
func (d *Dispatcher) AcceptedSyncPointAt(ts wire.Ts) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := len(d.Handed) - 1; i >= 0 && d.Handed[i].CommitTs >= ts; i-- {
		if d.Handed[i].Kind == "SyncPoint" && d.Handed[i].CommitTs == ts {
			return true
		}
	}
	return false
}

// OwesWake reports whether the sink still owes the collector's path a
// wake: it holds events handed to it and not flushed, whose flush wakes
// the path. A removed dispatcher owes nothing and reports true (its path
// goes with the removal). For checkers (workloads, I24).
func (d *Dispatcher) OwesWake() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.Removed || len(d.pending) > 0
}

// FlushedCopy returns a copy of Flushed, safe to call while the run is
// live.
func (d *Dispatcher) FlushedCopy() []Forwarded {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.Flushed)
}

// close marks the dispatcher removed: nothing more reaches its sink.
func (d *Dispatcher) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.changed()
	d.Removed, d.HandedAtRemoval = true, len(d.Handed)
	d.status = Stopped
	d.timer.Stop()
}

// changed lists d in its cluster's watches. Called with d.mu held by
// every method that changes the sink's state.
func (d *Dispatcher) changed() {
	if d.watches != nil {
		d.watches.note(d)
	}
}

func toForwarded(ev wire.Event) Forwarded {
	switch e := ev.(type) {
	case *wire.DMLEvent:
		return Forwarded{Kind: "DML", CommitTs: e.CommitTs, Epoch: e.Epoch, Seq: e.Seq, Rows: e.Rows}
	case *wire.DDLEvent:
		return Forwarded{Kind: "DDL", CommitTs: e.FinishedTs, Epoch: e.Epoch, Seq: e.Seq}
	case *wire.SyncPointEvent:
		return Forwarded{Kind: "SyncPoint", CommitTs: e.CommitTs, Epoch: e.Epoch, Seq: e.Seq}
	}
	if _, ok := ev.(*wire.HandshakeEvent); ok {
		// TiCDC only warns here; the model's session never forwards a
		// handshake, so one arriving is a bug in the model.
		panic(fmt.Sprintf("cluster: dispatcher handed %s", ev))
	}
	tiassert.Failf("downstreamadapter/dispatcher/basic_dispatcher.go:handleEvents", "Unexpected event type", "%s", ev)
	return Forwarded{}
}

// failBatchedBlockEvent is TiCDC's check that a DDL or sync point reaches
// the dispatcher alone (the collector hands block events one at a time):
// a batch of n holding one is asserted away, after the stale-event
// filter, as in TiCDC.
func (d *Dispatcher) failBatchedBlockEvent(f Forwarded, n int) {
	msg := "ddl event should only be singly handled"
	if f.Kind == "SyncPoint" {
		msg = "sync point event should only be singly handled"
	}
	tiassert.Failf("downstreamadapter/dispatcher/basic_dispatcher.go:handleEvents", msg,
		"node %s, dispatcher %s, %s at %d in a batch of %d", d.node, d.id, f.Kind, f.CommitTs, n)
}

// fmtForwardedEvent renders f for a checker's message.
func fmtForwardedEvent(f Forwarded) string {
	return fmt.Sprintf("%s commitTs=%d epoch=%d seq=%d", f.Kind, f.CommitTs, f.Epoch, f.Seq)
}
