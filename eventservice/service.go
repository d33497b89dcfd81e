package eventservice

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/fault"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/wire"
)

// Service is one node's event service (PROTOCOL.md 1.7): TiCDC's
// eventService, which takes requests and heartbeats in, around the
// eventBroker, which holds the records and sends the events.
type Service struct {
	cfg      Config
	b        *eventBroker
	commands *clock.Mailbox[network.Envelope]
	// dispatcherInfoChan and dispatcherHeartbeat are the two intake
	// queues (PROTOCOL.md 2.5): each FIFO, read by one task that selects
	// over both, so the two classes interleave arbitrarily.
	dispatcherInfoChan  *clock.Mailbox[*wire.DispatcherRequest]
	dispatcherHeartbeat *clock.Mailbox[heartbeatWithServerID]
	started             bool
	// busyUntil is the end of the last slow RegisterTable the intake
	// waited for (IntakeBusyUntil), in virtual nanoseconds.
	busyUntil atomic.Int64
	// liveSlots is AppendLiveRecords' scratch, used under the broker's
	// mutex: observation only, never read by the service itself.
	liveSlots []*dispatcherSlot
}

// heartbeatWithServerID is a heartbeat and the collector it came from.
type heartbeatWithServerID struct {
	serverID wire.ServerID
	hb       *wire.DispatcherHeartbeat
}

// New builds a service from cfg. It panics on an invalid configuration:
// a wiring mistake, found before any state exists.
func New(cfg Config) *Service {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		panic(err)
	}
	s := &Service{cfg: cfg, commands: cfg.Commands}
	if s.commands == nil {
		s.commands = cfg.Endpoint.Inbox(wire.StreamCommand)
	}
	s.b = newEventBroker(&s.cfg)
	s.dispatcherInfoChan = clock.NewUnbounded[*wire.DispatcherRequest](cfg.Runtime, "eventservice/dispatcherInfoChan")
	s.dispatcherHeartbeat = clock.NewUnbounded[heartbeatWithServerID](cfg.Runtime, "eventservice/dispatcherHeartbeat")
	return s
}

// Run starts the service's tasks on cfg.Runtime and returns: the command
// router, the request/heartbeat intake, the scan loop, the sweep, the
// state upload (if a coordinator is configured) and the message workers.
// Under the simulator they belong to the calling node and end with it.
func (s *Service) Run() {
	if s.started {
		panic("eventservice: Run called twice")
	}
	s.started = true
	rt := s.cfg.Runtime
	rt.Go("eventservice/router", s.runRouter)
	rt.Go("eventservice/intake", s.runIntake)
	rt.Go("eventservice/scan", s.runScan)
	rt.Go("eventservice/sweep", s.runSweep)
	if s.cfg.Coordinator != "" {
		rt.Go("eventservice/upload", s.runUpload)
	}
	for _, w := range s.b.workers {
		rt.Go(fmt.Sprintf("eventservice/worker-%d", w.index), w.run)
	}
}

// Handles reports whether msg is for an event service: a
// DispatcherRequest, DispatcherHeartbeat or CongestionControl, by pointer
// or by value. A node that shares its command stream between collector
// and event service routes with it.
func Handles(msg any) bool {
	switch msg.(type) {
	case *wire.DispatcherRequest, wire.DispatcherRequest,
		*wire.DispatcherHeartbeat, wire.DispatcherHeartbeat,
		*wire.CongestionControl, wire.CongestionControl:
		return true
	}
	return false
}

// runRouter is the command-stream handler: requests and heartbeats to
// their queues, congestion control applied at once, as TiCDC's message
// handler does. Anything else is a wiring mistake.
func (s *Service) runRouter() {
	for {
		env, ok := s.commands.Recv()
		if !ok {
			return
		}
		switch m := env.Msg.(type) {
		case *wire.DispatcherRequest:
			s.dispatcherInfoChan.Send(m)
		case wire.DispatcherRequest:
			s.dispatcherInfoChan.Send(&m)
		case *wire.DispatcherHeartbeat:
			if m == nil {
				s.ignoreEmpty("dispatcher heartbeat", env)
				continue
			}
			s.dispatcherHeartbeat.Send(heartbeatWithServerID{serverID: senderOf(m.From, env), hb: m})
		case wire.DispatcherHeartbeat:
			s.dispatcherHeartbeat.Send(heartbeatWithServerID{serverID: senderOf(m.From, env), hb: &m})
		case *wire.CongestionControl:
			if m == nil {
				s.ignoreEmpty("control message", env)
				continue
			}
			s.handleCongestionControl(senderOf(m.From, env), m)
		case wire.CongestionControl:
			s.handleCongestionControl(senderOf(m.From, env), &m)
		default:
			panic(fmt.Sprintf("eventservice %s: unexpected command %T from %s (route with eventservice.Handles)", s.cfg.Node, env.Msg, env.From))
		}
	}
}

// ignoreEmpty drops a heartbeat or congestion-control message that
// carries nothing (a nil pointer: TiCDC's message with no payload), as
// TiCDC's event_service.go handleMessage does, with a warning only.
func (s *Service) ignoreEmpty(what string, env network.Envelope) {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	s.b.covered("eventservice/router/empty")
	s.b.tracef("invalid %s from %s: empty, ignored", what, env.From)
}

// senderOf is the collector a message speaks for: its From field, or the
// envelope's sender if the field is empty.
func senderOf(from wire.ServerID, env network.Envelope) wire.ServerID {
	if from != "" {
		return from
	}
	return env.From
}

func (s *Service) handleCongestionControl(from wire.ServerID, m *wire.CongestionControl) {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	s.b.handleCongestionControl(from, m)
}

// runIntake handles requests and heartbeats one at a time. clock.Select
// picks between the two ready queues with a seeded choice, so a heartbeat
// of epoch e+1 can be handled before the RESET that creates e+1
// (PROTOCOL.md 4.3, window 4). A REGISTER may keep it busy first
// (SiteRegisterTableSlow).
func (s *Service) runIntake() {
	var req *wire.DispatcherRequest
	var hb heartbeatWithServerID
	cases := []clock.Case{s.dispatcherInfoChan.Case(&req), s.dispatcherHeartbeat.Case(&hb)}
	for {
		i, ok := clock.Select(s.cfg.Runtime, cases...)
		if !ok || s.b.closed.Load() {
			return
		}
		if i == 0 && req.Action == wire.ActionRegister && s.cfg.Runtime.Buggify(SiteRegisterTableSlow) {
			slow := time.Duration(1 + s.cfg.Runtime.Rand(SiteRegisterTableSlow).Int64N(int64(RegisterTableSlowMax)))
			s.b.tracef("REGISTER %s: RegisterTable slow, intake busy for %s", req.DispatcherID, slow)
			s.busyUntil.Store(int64(s.cfg.Runtime.Now().Add(slow)))
			s.cfg.Runtime.Sleep(slow)
		}
		s.b.mu.Lock()
		if i == 0 {
			s.b.handleDispatcherRequest(req)
		} else {
			s.b.handleDispatcherHeartbeat(hb.serverID, hb.hb)
		}
		s.b.mu.Unlock()
	}
}

// runScan ticks the event store every ScanInterval and runs the scans
// requested by a RESET in between, each after ResetScanCost.
func (s *Service) runScan() {
	ticker := clock.NewTicker(s.cfg.Runtime, "eventservice/scan-tick", s.cfg.ScanInterval)
	var tick clock.Time
	var d *dispatcherStat
	cases := []clock.Case{ticker.C.Case(&tick), s.b.scanRequests.Case(&d)}
	for {
		i, ok := clock.Select(s.cfg.Runtime, cases...)
		if !ok || s.b.closed.Load() {
			return
		}
		if i == 1 && s.cfg.ResetScanCost > 0 {
			s.cfg.Runtime.Sleep(s.cfg.ResetScanCost)
		}
		s.scanDelay(i == 1)
		s.b.mu.Lock()
		if s.b.closed.Load() {
			s.b.mu.Unlock()
			return
		}
		if i == 0 {
			s.b.onScanTick()
		} else {
			s.b.scanNow(d)
		}
		s.b.mu.Unlock()
	}
}

// scanDelay is the scan task's injected slowness, before it takes the
// broker's lock: a RESET's scan (and so its Handshake) waits up to
// resetDelayMax more at fault.ResetDelay; a tick's scan of the event
// store takes up to slowScanMax at fault.SlowScan.
func (s *Service) scanDelay(reset bool) {
	rt := s.cfg.Runtime
	site, most := fault.SlowScan, slowScanMax
	if reset {
		site, most = fault.ResetDelay, resetDelayMax
	}
	if rt.Buggify(site) {
		d := time.Duration(1 + rt.Rand(site).Int64N(int64(most)))
		s.b.tracef("scan task slow for %s (%s)", d, site)
		rt.Sleep(d)
	}
}

// Bounds of the scan task's injected slowness.
const (
	resetDelayMax = 2 * time.Second
	slowScanMax   = time.Second
)

// runSweep is TiCDC's reportDispatcherStatToStore loop.
func (s *Service) runSweep() {
	clock.Every(s.cfg.Runtime, "eventservice/sweep-tick", s.cfg.SweepInterval, func() {
		if s.b.closed.Load() {
			return
		}
		s.b.mu.Lock()
		s.b.reportDispatcherStatToStore()
		s.b.mu.Unlock()
	})
}

// runUpload sends the event store's subscriptions to the log coordinator
// every StateUploadInterval (PROTOCOL.md 1.8). A failed send is only
// traced: the next upload replaces it.
func (s *Service) runUpload() {
	clock.Every(s.cfg.Runtime, "eventservice/upload-tick", s.cfg.StateUploadInterval, func() {
		if s.b.closed.Load() {
			return
		}
		s.b.mu.Lock()
		state := &wire.EventStoreState{From: s.cfg.Node, Subscriptions: s.b.eventStore.state()}
		s.b.mu.Unlock()
		if err := s.cfg.Endpoint.Send(s.cfg.Coordinator, wire.StreamCommand, state); err != nil {
			s.b.tracef("event store state to %s not sent: %v", s.cfg.Coordinator, err)
		}
	})
}

// Records returns every live record, sorted by dispatcher ID; an orphan
// (a record a REGISTER overwrote, PROTOCOL.md 6.3 H1) follows the current
// record of its ID. For checkers and tests.
func (s *Service) Records() []RecordSnapshot {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	return s.b.records()
}

// SchemaRegistrations returns how many table registrations the default
// schema store holds (every successful RegisterTable not yet matched by
// an UnregisterTable), and false when the service runs with a schema
// store of the caller's, which it cannot count. For checkers (I14): it
// must equal the live records that registered a table.
func (s *Service) SchemaRegistrations() (int64, bool) {
	c, ok := s.cfg.SchemaStore.(interface{ registrations() int64 })
	if !ok {
		return 0, false
	}
	return c.registrations(), true
}

// SchemaStore returns the schema store the service calls, for tests
// that plant a registration nobody holds.
func (s *Service) SchemaStore() SchemaStore { return s.cfg.SchemaStore }

// Subscriptions returns the event store's subscriptions in creation
// order: what the coordinator is sent, and what a leak checker compares
// with the records.
func (s *Service) Subscriptions() []wire.Subscription {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	return s.b.eventStore.state()
}
