package eventservice

import (
	"cmp"
	"slices"
	"sync/atomic"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/internal/chunk"
	"github.com/cdcsim/cdcsim/wire"
)

// eventBroker holds the event service's state: the records, the event
// store, the changefeed quotas and the send workers (TiCDC's eventBroker).
// Every task that touches it holds mu for one whole step (a request, a
// heartbeat, a scan tick, a sweep), so in real mode the tasks cannot race,
// and under the simulator each step is atomic, as the TiCDC code's
// per-record atomics make the individual updates.
type eventBroker struct {
	cfg *Config
	rt  clock.Runtime
	// cover records coverage points (coverage.go); nil in real mode.
	cover      func(name string)
	mu         *clock.Mutex
	eventStore *eventStore
	// dispatchers and tableTriggerDispatchers map an ID to its slot
	// (lookup only; iterate sorted keys). A dispatcher's span never
	// changes, so in practice an ID is only ever in one of them; lookups
	// try dispatchers first, as TiCDC's getDispatcher does.
	dispatchers             map[wire.DispatcherID]*dispatcherSlot
	tableTriggerDispatchers map[wire.DispatcherID]*dispatcherSlot
	changefeedMap           map[wire.ChangefeedID]*changefeedStatus
	workers                 []*messageWorker
	// pendingLargeTxnCleanup holds the records whose cleanup failed, in
	// the order they failed, for the retry worker (active_scan.go);
	// cleanupWorker says it was started.
	pendingLargeTxnCleanup []*dispatcherStat
	cleanupWorker          bool
	// scanRequests carries records whose scan was requested at once (a
	// RESET, PR #5554) to the scan task.
	scanRequests *clock.Mailbox[*dispatcherStat]
	// dmls, rows and batches carve the scans' messages from chunks
	// (emitChanges); guarded by mu, which every scan holds.
	dmls    chunk.Of[wire.DMLEvent]
	rows    chunk.Of[uint64]
	batches chunk.Of[wire.BatchDMLEvent]
	// closed is set by Service.Close (close.go): the broker's tasks stop
	// at their next step.
	closed atomic.Bool
}

// changefeedStatus is the per-changefeed state (TiCDC's changefeedStatus).
type changefeedStatus struct {
	id wire.ChangefeedID
	// dispatchers counts the records of the changefeed; the status is
	// dropped, and with it the quotas, when the last one goes.
	dispatchers map[wire.DispatcherID]bool
	// availableMemoryQuota per collector node, set only by
	// CongestionControl; a scan for a node without an entry is skipped.
	availableMemoryQuota map[wire.ServerID]uint64
	// lowLatencyMode is taken from the request that created the status
	// and kept for its life, as TiCDC's getOrSetChangefeedStatus does.
	lowLatencyMode bool
}

func newEventBroker(cfg *Config) *eventBroker {
	b := &eventBroker{
		cfg:                     cfg,
		rt:                      cfg.Runtime,
		cover:                   clock.CoverFunc(cfg.Runtime),
		mu:                      clock.NewMutex(cfg.Runtime, "eventservice/"+string(cfg.Node)),
		eventStore:              newEventStore(cfg.Runtime, cfg.Upstream, cfg.DataSharing),
		dispatchers:             make(map[wire.DispatcherID]*dispatcherSlot),
		tableTriggerDispatchers: make(map[wire.DispatcherID]*dispatcherSlot),
		changefeedMap:           make(map[wire.ChangefeedID]*changefeedStatus),
		scanRequests:            clock.NewUnbounded[*dispatcherStat](cfg.Runtime, "eventservice/scan-requests"),
		dmls:                    chunk.Of[wire.DMLEvent]{Size: 1024},
		rows:                    chunk.Of[uint64]{Size: 4096},
	}
	b.eventStore.observe = cfg.ObserveSubscription
	for i := range cfg.MessageWorkers {
		b.workers = append(b.workers, newMessageWorker(b, i))
	}
	return b
}

// covered records the coverage point of a row of PROTOCOL.md 3.3.
func (c *eventBroker) covered(row string) {
	if c.cover != nil {
		c.cover(row)
	}
}

func (c *eventBroker) tracef(format string, args ...any) {
	if c.cfg.Trace != nil {
		c.cfg.Trace("es/"+string(c.cfg.Node)+" "+format, args...)
	}
}

// getDispatcher looks an ID up in both maps, as every request and
// heartbeat does.
func (c *eventBroker) getDispatcher(id wire.DispatcherID) *dispatcherSlot {
	if slot := c.dispatchers[id]; slot != nil {
		return slot
	}
	return c.tableTriggerDispatchers[id]
}

func (c *eventBroker) getOrSetChangefeedStatus(req *wire.DispatcherRequest) *changefeedStatus {
	id := req.ChangefeedID
	st := c.changefeedMap[id]
	if st == nil {
		st = &changefeedStatus{id: id, dispatchers: make(map[wire.DispatcherID]bool),
			availableMemoryQuota: make(map[wire.ServerID]uint64), lowLatencyMode: req.LowLatencyMode}
		c.changefeedMap[id] = st
	}
	return st
}

// removeFromChangefeed forgets id in its changefeed and drops a status
// left empty, quotas included.
func (c *eventBroker) removeFromChangefeed(cf wire.ChangefeedID, id wire.DispatcherID) {
	st := c.changefeedMap[cf]
	if st == nil {
		return
	}
	delete(st.dispatchers, id)
	if len(st.dispatchers) == 0 {
		delete(c.changefeedMap, cf)
	}
}

// sortedSlots returns the slots of m in dispatcher-ID order.
func sortedSlots(m map[wire.DispatcherID]*dispatcherSlot) []*dispatcherSlot {
	// ids is sized once (slices.Sorted(maps.Keys(m)) grows it from nothing):
	// the slots are walked every tick and by the checkers.
	ids := make([]wire.DispatcherID, 0, len(m))
	for id := range m { //dst:allow map-range: sorted below
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]*dispatcherSlot, len(ids))
	for i, id := range ids {
		out[i] = m[id]
	}
	return out
}

// records returns every live record sorted by ID, orphans after the
// current record of their ID. Called with mu held.
func (c *eventBroker) records() []RecordSnapshot {
	out := make([]RecordSnapshot, 0, len(c.dispatchers)+len(c.tableTriggerDispatchers))
	for _, m := range []map[wire.DispatcherID]*dispatcherSlot{c.dispatchers, c.tableTriggerDispatchers} {
		for _, slot := range sortedSlots(m) {
			out = append(out, slot.stat.snapshot(slot, false))
		}
	}
	// An orphan is a record still notified by a subscription but no
	// longer the one its ID maps to (PROTOCOL.md 6.3 H1).
	for _, sub := range c.eventStore.subs {
		for _, s := range sub.subscribers {
			if c.dispatchers[s.id] != s.slot && !s.slot.stat.isRemoved {
				out = append(out, s.slot.stat.snapshot(s.slot, true))
			}
		}
	}
	slices.SortStableFunc(out, func(a, b RecordSnapshot) int {
		switch {
		case a.Dispatcher != b.Dispatcher:
			return cmp.Compare(a.Dispatcher, b.Dispatcher)
		case a.Orphaned != b.Orphaned:
			if a.Orphaned {
				return 1
			}
			return -1
		}
		return 0
	})
	return out
}
