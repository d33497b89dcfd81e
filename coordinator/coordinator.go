package coordinator

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/wire"
)

// Config is everything the log coordinator needs. Zero durations and
// counts take the defaults on each field (PROTOCOL.md 7).
type Config struct {
	// Runtime provides tasks, time and the lock.
	Runtime clock.Runtime
	// Node is where the coordinator runs: the CoordinatorID it broadcasts.
	Node wire.ServerID
	// Endpoint is the node's network attachment; answers and broadcasts go
	// out on wire.StreamEvent.
	Endpoint network.Endpoint
	// Commands is the mailbox of state uploads and requests; nil means
	// Endpoint.Inbox(wire.StreamCommand). See Handles.
	Commands *clock.Mailbox[network.Envelope]
	// Nodes are the nodes the broadcast goes to, the coordinator's own
	// included.
	Nodes []wire.ServerID
	// BroadcastInterval spaces the LogCoordinatorBroadcasts (1 s).
	BroadcastInterval time.Duration
	// UploadInterval is the event stores' state upload interval (10 s);
	// a node is alive while its last upload is at most AliveUploads (3)
	// intervals old.
	UploadInterval time.Duration
	AliveUploads   int
	// Trace, if not nil, receives one line per decision. It must not block.
	Trace func(format string, args ...any)
}

// WithDefaults returns c with every zero knob set to its default: the
// configuration New runs with. A workload that scales the timing starts
// from it.
func (c Config) WithDefaults() Config { return c.withDefaults() }

func (c Config) withDefaults() Config {
	if c.BroadcastInterval == 0 {
		c.BroadcastInterval = time.Second
	}
	if c.UploadInterval == 0 {
		c.UploadInterval = 10 * time.Second
	}
	if c.AliveUploads == 0 {
		c.AliveUploads = 3
	}
	return c
}

func (c *Config) validate() error {
	switch {
	case c.Runtime == nil:
		return fmt.Errorf("coordinator: Config.Runtime is nil")
	case c.Node == "":
		return fmt.Errorf("coordinator: Config.Node is empty")
	case c.Endpoint == nil:
		return fmt.Errorf("coordinator: Config.Endpoint is nil")
	case c.Endpoint.ID() != c.Node:
		return fmt.Errorf("coordinator: Config.Endpoint belongs to %s, not %s", c.Endpoint.ID(), c.Node)
	case c.BroadcastInterval < 0 || c.UploadInterval < 0 || c.AliveUploads < 0:
		return fmt.Errorf("coordinator: negative interval or count")
	}
	return nil
}

// Coordinator is the log coordinator (PROTOCOL.md 1.8; TiCDC's
// logservice/coordinator): one per cluster.
type Coordinator struct {
	cfg      Config
	commands *clock.Mailbox[network.Envelope]
	// mu guards states: the intake task writes, Candidates and the
	// accessors read.
	mu *clock.Mutex
	// states holds each node's last upload (lookup only; iterate sorted
	// keys).
	states map[wire.ServerID]nodeState
	// members is the cluster membership as the coordinator last saw it
	// (TiCDC's nodes.m): HandleNodeChange forgets the states of members
	// that left. Lookup only.
	members map[wire.ServerID]bool
	started bool
}

type nodeState struct {
	state      wire.EventStoreState
	uploadedAt clock.Time
}

// New builds a coordinator; it panics on an invalid configuration.
func New(cfg Config) *Coordinator {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		panic(err)
	}
	c := &Coordinator{cfg: cfg, commands: cfg.Commands, mu: clock.NewMutex(cfg.Runtime, "coordinator"),
		states: make(map[wire.ServerID]nodeState), members: make(map[wire.ServerID]bool)}
	if c.commands == nil {
		c.commands = cfg.Endpoint.Inbox(wire.StreamCommand)
	}
	return c
}

// Run starts the intake and broadcast tasks and returns.
func (c *Coordinator) Run() {
	if c.started {
		panic("coordinator: Run called twice")
	}
	c.started = true
	c.cfg.Runtime.Go("coordinator/intake", c.runIntake)
	c.cfg.Runtime.Go("coordinator/broadcast", c.runBroadcast)
}

// Handles reports whether msg is for the coordinator: an EventStoreState
// or a ReusableEventServiceRequest, by pointer or by value.
func Handles(msg any) bool {
	switch msg.(type) {
	case *wire.EventStoreState, wire.EventStoreState,
		*wire.ReusableEventServiceRequest, wire.ReusableEventServiceRequest:
		return true
	}
	return false
}

func (c *Coordinator) tracef(format string, args ...any) {
	if c.cfg.Trace != nil {
		c.cfg.Trace("coordinator/"+string(c.cfg.Node)+" "+format, args...)
	}
}

// runIntake applies uploads and answers requests, one message at a time.
func (c *Coordinator) runIntake() {
	for {
		env, ok := c.commands.Recv()
		if !ok {
			return
		}
		switch m := env.Msg.(type) {
		case *wire.EventStoreState:
			c.updateEventStoreState(env.From, *m)
		case wire.EventStoreState:
			c.updateEventStoreState(env.From, m)
		case *wire.ReusableEventServiceRequest:
			c.handleReusableEventServiceRequest(env.From, *m)
		case wire.ReusableEventServiceRequest:
			c.handleReusableEventServiceRequest(env.From, m)
		default:
			panic(fmt.Sprintf("coordinator %s: unexpected command %T from %s (route with coordinator.Handles)", c.cfg.Node, env.Msg, env.From))
		}
	}
}

// updateEventStoreState replaces a node's state with its latest upload.
func (c *Coordinator) updateEventStoreState(sender wire.ServerID, st wire.EventStoreState) {
	if st.From == "" {
		st.From = sender
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.states[st.From] = nodeState{state: st, uploadedAt: c.cfg.Runtime.Now()}
}

// handleReusableEventServiceRequest answers on the event stream of the
// requesting node. A lost answer is only traced: nothing retries it
// (PROTOCOL.md 2.4).
func (c *Coordinator) handleReusableEventServiceRequest(sender wire.ServerID, req wire.ReusableEventServiceRequest) {
	if req.From == "" {
		req.From = sender
	}
	c.mu.Lock()
	nodes := Candidates(c.statesLocked(), c.aliveLocked, req)
	c.mu.Unlock()
	resp := &wire.ReusableEventServiceResponse{ID: req.ID, Nodes: nodes}
	if err := c.cfg.Endpoint.Send(req.From, wire.StreamEvent, resp); err != nil {
		c.tracef("candidates for %s to %s not sent: %v", req.ID, req.From, err)
		return
	}
	c.tracef("candidates for %s %s from %d to %s: %v", req.ID, req.Span, req.StartTs, req.From, nodes)
}

// runBroadcast tells every node where the coordinator is, every
// BroadcastInterval. Failed sends are skipped; the next round retries.
// Each round first brings the membership up to date (watchMembership).
func (c *Coordinator) runBroadcast() {
	msg := &wire.LogCoordinatorBroadcast{CoordinatorID: c.cfg.Node}
	clock.Every(c.cfg.Runtime, "coordinator/broadcast-tick", c.cfg.BroadcastInterval, func() {
		c.watchMembership()
		for _, n := range c.cfg.Nodes {
			if err := c.cfg.Endpoint.Send(n, wire.StreamEvent, msg); err != nil {
				c.tracef("broadcast to %s not sent: %v", n, err)
			}
		}
	})
}

// watchMembership is the model's node manager: the members are the nodes
// alive now (a recent upload, aliveLocked), and HandleNodeChange is told
// of them, as TiCDC's node manager tells the coordinator of every change.
func (c *Coordinator) watchMembership() {
	c.mu.Lock()
	var alive []wire.ServerID
	for _, n := range slices.Sorted(maps.Keys(c.states)) {
		if c.aliveLocked(n) {
			alive = append(alive, n)
		}
	}
	c.mu.Unlock()
	c.HandleNodeChange(alive)
}

// HandleNodeChange is TiCDC's handleNodeChange (logservice/coordinator
// coordinator.go): given every node of the cluster now, a member not
// among them has left, and its event-store state is forgotten, so no
// answer or reader sees it again; a node not yet a member joins.
func (c *Coordinator) HandleNodeChange(nodes []wire.ServerID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range slices.Sorted(maps.Keys(c.members)) {
		if slices.Contains(nodes, n) {
			continue
		}
		delete(c.members, n)
		if _, ok := c.states[n]; ok {
			delete(c.states, n)
			c.tracef("node %s left: its event-store state is forgotten", n)
		}
	}
	for _, n := range nodes {
		c.members[n] = true
	}
}

// Members returns the nodes the coordinator counts as members, sorted.
func (c *Coordinator) Members() []wire.ServerID {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Sorted(maps.Keys(c.members))
}

// statesLocked returns the stored states sorted by node.
func (c *Coordinator) statesLocked() []wire.EventStoreState {
	nodes := slices.Sorted(maps.Keys(c.states))
	out := make([]wire.EventStoreState, len(nodes))
	for i, n := range nodes {
		out[i] = c.states[n].state
	}
	return out
}

// aliveLocked: a node is alive while its last upload is at most
// AliveUploads upload intervals old.
func (c *Coordinator) aliveLocked(n wire.ServerID) bool {
	st, ok := c.states[n]
	return ok && c.cfg.Runtime.Now().Sub(st.uploadedAt) <= time.Duration(c.cfg.AliveUploads)*c.cfg.UploadInterval
}

// States returns each node's last uploaded state, sorted by node.
func (c *Coordinator) States() []wire.EventStoreState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.statesLocked()
}

// Alive reports whether node n counts as alive now.
func (c *Coordinator) Alive(n wire.ServerID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.aliveLocked(n)
}
