package collector

import (
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/session"
	"github.com/cdcsim/cdcsim/variant"
	"github.com/cdcsim/cdcsim/wire"
)

// Config is an event collector's configuration. Timing fields default to
// the values of PROTOCOL.md 7; a workload may scale them.
type Config struct {
	Runtime clock.Runtime
	// Node is the collector's node, L: its own event service's ID too.
	Node wire.ServerID
	// Endpoint sends on the network and receives the collector's two
	// streams (wire.StreamEvent and wire.StreamCommand).
	Endpoint network.Endpoint
	Variants variant.Set
	Trace    func(format string, args ...any)
	// ObserveRequest, if set, is told of every message the collector
	// queues for an event service, at the moment it is queued and in
	// queue order: a *wire.DispatcherRequest (from a session transition,
	// with its requestMu held) or a *wire.DispatcherHeartbeat. It is for
	// checkers that need the request stream (PROTOCOL.md 5 I1, I13); it
	// must not block, yield or call into the collector, and it changes
	// nothing the collector does.
	ObserveRequest func(to wire.ServerID, msg any)
	// ObserveDrop, if set, is told of memory control's decision on every
	// droppable event that arrives on a path (observe.go, DropDecision),
	// with mu held: for the checker of the drop threshold (workloads,
	// I23). Like ObserveRequest it must not block, yield or call into
	// the collector, and it changes nothing the collector does.
	ObserveDrop func(DropDecision)
	// SessionChanged, if set, is every session's session.Config.Changed:
	// told of each change of a session's Version, for checkers.
	SessionChanged func(session.Target)
	// EnableRemoteEventService is debug.event-service.enable-remote-event-service
	// (default true): whether coordinator answers start remote probing.
	EnableRemoteEventService bool

	HeartbeatInterval  time.Duration // eventServiceHeartbeatInterval, 10 s
	CongestionInterval time.Duration // controlCongestion tick, 1 s
	ResendDelay        time.Duration // after a failed send, 10 ms
	CongestedDelay     time.Duration // after a "congested" send, 1 s
	Workers            int           // event-path workers
	BatchSize          int           // max events in one data batch
	ReleaseInterval    time.Duration // memory release at most this often, 1 s
	// The log-coordinator client's pauses: before requeueing a request
	// while the coordinator is unknown (1 s), and between send attempts
	// (100 ms). Zero means the default.
	CoordinatorUnknownDelay time.Duration
	CoordinatorRetryDelay   time.Duration
	// ReceiveChannels and ReceiveChannelSize shape the receive channels
	// between the event-stream router and the event path (32 x 8192).
	ReceiveChannels    int
	ReceiveChannelSize int
	// StuckWindow and StuckUsage are the stuck-area detector's: an area
	// still receiving, not shrinking for StuckWindow (5 s) and above
	// StuckUsage (60 %) of its quota is released.
	StuckWindow time.Duration
	StuckUsage  float64
}

// DefaultConfig returns the HEAD configuration of a collector on node.
func DefaultConfig(rt clock.Runtime, node wire.ServerID, ep network.Endpoint) Config {
	return Config{Runtime: rt, Node: node, Endpoint: ep, EnableRemoteEventService: true,
		HeartbeatInterval: 10 * time.Second, CongestionInterval: time.Second,
		ResendDelay: 10 * time.Millisecond, CongestedDelay: time.Second,
		Workers: 4, BatchSize: 64, ReleaseInterval: time.Second,
		CoordinatorUnknownDelay: coordinatorUnknownDelay, CoordinatorRetryDelay: coordinatorSendDelay,
		ReceiveChannels: defaultReceiveChannels, ReceiveChannelSize: defaultReceiveChannelSize,
		StuckWindow: defaultStuckWindow, StuckUsage: defaultStuckUsage}
}

// EventCollector is one node's collector.
type EventCollector struct {
	cfg Config
	rt  clock.Runtime
	// cover records coverage points (coverage.go); nil in real mode.
	cover func(name string)
	// mu guards the state the collector's tasks, the manager's calls and
	// the sink's wake share: dispatcherMap, areas and every area's and
	// path's fields, stats, and the coordinator client's coordinator. It
	// is a Guard, never held across a scheduling point: a session call,
	// a Sleep or a blocking receive is made after taking a snapshot under
	// it and releasing it. Under the simulator it changes nothing.
	mu *clock.Guard
	// dispatcherMap is DispatcherID -> entry. Looked up by ID; iterated in
	// ID order only (dispatcherIDs), never in map order.
	dispatcherMap map[wire.DispatcherID]*dispatcher
	areas         map[wire.ChangefeedID]*area
	requests      *clock.Mailbox[request] // dispatcherMessageChan
	recv          []*clock.Mailbox[item]  // receiveChannels
	feedback      *clock.Mailbox[*area]   // the event path's release feedback
	ds            *dynStream
	coord         *coordinatorClient
	stats         Stats
	// closed is set by Close (close.go): every task stops at its next
	// step, and what the queues hold is lost.
	closed atomic.Bool
}

// dispatcher is the collector's entry for one dispatcher: its
// dispatcherStat (session.Stat), its target and its event path.
type dispatcher struct {
	stat   *session.Stat
	target session.Target
	path   *path
}

// Stats counts what the collector did, for reports and checkers.
type Stats struct {
	RequestsSent, RequestsDropped, RequestRetries uint64
	HeartbeatsSent, HeartbeatsDropped             uint64
	EventsDropped, PathsReleased, EventsReleased  uint64
	UnknownDispatcherEvents                       uint64
}

// New returns a collector; Run starts its tasks.
func New(cfg Config) *EventCollector {
	if cfg.Runtime == nil || cfg.Endpoint == nil || cfg.Node == "" {
		panic("collector: Config needs Runtime, Node and Endpoint")
	}
	c := &EventCollector{cfg: cfg, rt: cfg.Runtime, mu: clock.NewGuard(cfg.Runtime), cover: clock.CoverFunc(cfg.Runtime),
		dispatcherMap: make(map[wire.DispatcherID]*dispatcher),
		areas:         make(map[wire.ChangefeedID]*area),
		requests:      clock.NewUnbounded[request](cfg.Runtime, string(cfg.Node)+"/dispatcherMessageChan"),
		feedback:      clock.NewUnbounded[*area](cfg.Runtime, string(cfg.Node)+"/ds-feedback"),
	}
	if c.cfg.ReceiveChannels <= 0 {
		c.cfg.ReceiveChannels = defaultReceiveChannels
	}
	if c.cfg.ReceiveChannelSize <= 0 {
		c.cfg.ReceiveChannelSize = defaultReceiveChannelSize
	}
	if c.cfg.StuckWindow <= 0 {
		c.cfg.StuckWindow = defaultStuckWindow
	}
	if c.cfg.StuckUsage <= 0 {
		c.cfg.StuckUsage = defaultStuckUsage
	}
	c.recv = newReceiveChannels(c.rt, cfg.Node, c.cfg.ReceiveChannels, c.cfg.ReceiveChannelSize)
	c.ds = newDynStream(c)
	c.coord = newCoordinatorClient(c)
	return c
}

// Run starts the collector's tasks (see the package doc).
func (c *EventCollector) Run() {
	c.rt.Go("collector/router-event", c.routeEvents)
	c.rt.Go("collector/router-command", c.routeCommands)
	c.rt.Go("collector/send", c.sendDispatcherRequests)
	c.rt.Go("collector/heartbeat", c.sendEventServiceHeartbeats)
	c.rt.Go("collector/congestion", c.controlCongestion)
	c.rt.Go("collector/coordinator", c.coord.run)
	c.startReceive()
	c.ds.start()
}

// Stats returns the collector's counters.
func (c *EventCollector) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

func (c *EventCollector) tracef(format string, args ...any) {
	if c.cfg.Trace != nil {
		c.cfg.Trace(string(c.cfg.Node)+" collector: "+format, args...)
	}
}

// AddDispatcher is the one-phase add (PROTOCOL.md 1.9):
// PrepareAddDispatcher without a callback, then a coordinator request for
// remote candidates unless the span is the table trigger.
func (c *EventCollector) AddDispatcher(target session.Target, memoryQuota uint64) {
	c.PrepareAddDispatcher(target, memoryQuota, nil)
	c.RequestRemoteCandidates(target)
}

// RequestRemoteCandidates asks the log coordinator for remote services
// that could serve target (TableID != 0 only).
func (c *EventCollector) RequestRemoteCandidates(target session.Target) {
	if target.Span().TableID != 0 {
		c.tracef("request remote candidates for %s", target.ID())
		c.coord.request(wire.ReusableEventServiceRequest{From: c.cfg.Node, ID: target.ID(), Span: target.Span(), StartTs: target.StartTs()})
	}
}

// PrepareAddDispatcher creates the dispatcher's stat and path and starts
// the local registration (T1). readyCallback is non-nil only for the
// two-phase add of a merge.
func (c *EventCollector) PrepareAddDispatcher(target session.Target, memoryQuota uint64, readyCallback func()) {
	stat := c.insertDispatcher(target, memoryQuota, readyCallback)
	c.tracef("add %s (callback %t)", target.ID(), readyCallback != nil)
	stat.Run()
}

// insertDispatcher creates a dispatcher's stat and path and puts it in
// the map, under mu; the caller then starts the registration.
func (c *EventCollector) insertDispatcher(target session.Target, memoryQuota uint64, readyCallback func()) *session.Stat {
	id := target.ID()
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, dup := c.dispatcherMap[id]; dup {
		panic(fmt.Sprintf("collector %s: dispatcher %s added twice", c.cfg.Node, id))
	}
	stat := session.NewStat(session.Config{
		Runtime:       c.rt,
		LocalServerID: c.cfg.Node,
		Send:          c.enqueueMessageForSend,
		Variants:      c.cfg.Variants,
		Trace:         c.cfg.Trace,
		Changed:       c.cfg.SessionChanged,
	}, target, readyCallback)
	a := c.area(target.ChangefeedID(), memoryQuota)
	d := &dispatcher{stat: stat, target: target}
	d.path = c.ds.addPath(id, a, d)
	c.dispatcherMap[id] = d
	a.dispatchers++
	return stat
}

// lookup returns a dispatcher's entry, nil if the collector does not
// have it. The entry's fields (stat, target, path) never change, so the
// caller may use them after mu is released.
func (c *EventCollector) lookup(id wire.DispatcherID) *dispatcher {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dispatcherMap[id]
}

// CommitAddDispatcher is the commit of a two-phase add: the manager has
// set the merged start ts; RESET(L) follows (T6).
func (c *EventCollector) CommitAddDispatcher(id wire.DispatcherID) {
	if d := c.lookup(id); d != nil {
		d.stat.CommitLocalRegistration()
	}
}

// RemoveDispatcher removes a dispatcher: T9, then the path is removed
// (queued events dropped), then the map entry is deleted.
func (c *EventCollector) RemoveDispatcher(id wire.DispatcherID) {
	d := c.lookup(id)
	if d == nil {
		c.coverRemoveUnknown()
		return
	}
	d.stat.Remove()
	c.mu.Lock()
	c.ds.removePath(d.path)
	delete(c.dispatcherMap, id)
	d.path.area.dispatchers--
	c.mu.Unlock()
	c.tracef("remove %s", id)
}

// HasDispatcher reports whether the collector has the dispatcher (TiCDC's
// EventCollector.HasDispatcher): an aborted merge re-adds a source that
// the merge had already removed from it.
func (c *EventCollector) HasDispatcher(id wire.DispatcherID) bool {
	return c.lookup(id) != nil
}

// Stat returns a dispatcher's session state, for checkers.
func (c *EventCollector) Stat(id wire.DispatcherID) (*session.Stat, bool) {
	d := c.lookup(id)
	if d == nil {
		return nil, false
	}
	return d.stat, true
}

// dispatcherIDs returns the IDs of the dispatchers in ascending order: the
// order in which every loop over dispatchers runs, so that it never
// depends on map iteration.
func (c *EventCollector) dispatcherIDs() []wire.DispatcherID {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := make([]wire.DispatcherID, 0, len(c.dispatcherMap))
	for id := range c.dispatcherMap { //dst:allow map-range: sorted below
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// DispatcherIDs returns the collector's dispatchers, in ascending order.
func (c *EventCollector) DispatcherIDs() []wire.DispatcherID { return c.dispatcherIDs() }
