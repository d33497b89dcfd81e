package network

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/cdcsim/cdcsim/clock"
)

// Sim is the simulated network. It is written against clock.Runtime only,
// so under the simulator every latency, drop and duplicate is a seeded
// decision and every delivery a scheduled event; it never imports sim.
//
// Each (from, to, stream) is a link with a FIFO queue of messages in
// flight and one timer armed for the head's delivery time. A message's
// delivery time is its send time plus a sampled latency, but never
// earlier than the message before it on the link, which is what keeps a
// stream FIFO under random latency. Keeping the messages in a ring per
// link, instead of one scheduled callback per message, is what lets a
// message cross the network without allocating.
type Sim struct {
	rt     clock.Runtime
	r      *rand.Rand
	faults Faults
	// hint is the simulator's, when it has one: see faultHinter.
	hint   faultHinter
	nodes  map[NodeID]*simNode // lookup only; order comes from nodeOrder
	order  []*simNode          // attach order
	links  map[linkKey]*link   // lookup only; order comes from linkOrder
	lorder []*link
	rules  []Rule
	healed bool
	nextID uint64
	trace  func(format string, args ...any)
	// observe, if set, receives every Event (event.go) instead of trace.
	observe func(Event)
	stats   Stats
	// cover records coverage points (clock.CoverFunc); nil in real mode.
	cover func(name string)
}

// Stats counts what happened to messages.
type Stats struct {
	Sent, Delivered, Duplicated                      uint64
	DroppedRandom, DroppedCut, DroppedDown, Rejected uint64
	// DroppedNoStream counts copies sent to a stream the receiver never
	// attached: a wiring mistake, which would otherwise pass for a down
	// receiver.
	DroppedNoStream uint64
}

// deliver puts a due copy in the receiver's inbox for its stream (in nil:
// the receiver lacks the stream) and counts its fate. Inboxes are
// unbounded, so a refused copy found a closed inbox. It returns the fate
// as an event kind.
func (st *Stats) deliver(in *clock.Mailbox[Envelope], env Envelope) EventKind {
	switch {
	case in == nil:
		st.DroppedNoStream++
		return EvNoStream
	case in.TrySend(env):
		st.Delivered++
		return EvDeliver
	default:
		st.DroppedDown++
		return EvLostDown
	}
}

type linkKey struct {
	from, to NodeID
	stream   Stream
}

type simNode struct {
	id          NodeID
	up          bool
	incarnation uint32
	inboxes     map[Stream]*clock.Mailbox[Envelope] // lookup only
}

type inflight struct {
	env Envelope
	at  clock.Time
	inc uint32 // the receiver's incarnation at send time
}

type link struct {
	net   *Sim
	key   linkKey
	q     []inflight // ring; len is a power of two or zero
	head  int
	n     int
	last  clock.Time // delivery time of the newest message queued
	timer clock.Timer
	// The link's synchronous errors, built once.
	errFull, errCongested, errNotReady error
	// points are the link's coverage point names (coverage.go), built
	// at the first fault; nil until then.
	points *[numFaultKinds]string
}

// NewSim returns a simulated network over rt with the given faults.
// trace, if not nil, receives one line per fault event for the text
// trace; pass nil when the trace is off, so that nothing is formatted or
// boxed. The lines must not feed the trace hash: the decisions behind them
// are hashed already, as random draws, and a traced run must hash like an
// untraced one.
func NewSim(rt clock.Runtime, f Faults, trace func(format string, args ...any)) *Sim {
	if err := f.Validate(); err != nil {
		panic(err)
	}
	s := &Sim{rt: rt, r: rt.Rand("network"), faults: f, cover: clock.CoverFunc(rt),
		nodes: make(map[NodeID]*simNode), links: make(map[linkKey]*link), trace: trace}
	if h, ok := rt.(faultHinter); ok {
		s.hint = h
	}
	return s
}

// faultHinter is the simulator's way to be told what a draw decides
// (sim.World.HintFault): a decision file rewritten toward its defaults
// then reads "no fault" for a fault's chance and "a long wait" for the
// wait before the next partition. The hints draw nothing and move no
// hash; a runtime without them (the real one) needs none.
type faultHinter interface {
	HintFault(p float64)
	HintFaultGap()
}

// chance reports whether a fault of probability p happens now: one draw
// of the network's stream, said to be a fault's chance first.
func (s *Sim) chance(p float64) bool {
	if s.hint != nil {
		s.hint.HintFault(p)
	}
	return s.r.Float64() < p
}

// Faults returns the network's fault configuration.
func (s *Sim) Faults() Faults { return s.faults }

// Stats returns the message counters.
func (s *Sim) Stats() Stats { return s.stats }

// Attach connects node id with fresh inboxes for the given streams. A node
// attached again (a restart) starts a new incarnation: messages in flight
// to the old one are lost, the old inboxes are closed, and the old
// endpoints can no longer send.
func (s *Sim) Attach(id NodeID, streams ...Stream) Endpoint {
	n := s.nodes[id]
	if n == nil {
		n = &simNode{id: id}
		s.nodes[id] = n
		s.order = append(s.order, n)
	} else {
		n.incarnation++
		s.closeInboxes(n)
	}
	n.up = true
	n.inboxes = make(map[Stream]*clock.Mailbox[Envelope], len(streams))
	for _, st := range streams {
		n.inboxes[st] = clock.NewUnbounded[Envelope](s.rt, fmt.Sprintf("%s/%s", id, st))
	}
	return &simEndpoint{net: s, node: n, inc: n.incarnation, inboxes: n.inboxes}
}

// SetDown marks a node crashed: messages in flight to it vanish, its
// inboxes close, and it can send nothing more. Messages it sent before the
// crash are already on the wire and are still delivered, as packets a
// process wrote before dying are. Attach brings it back.
func (s *Sim) SetDown(id NodeID) {
	if n := s.nodes[id]; n != nil && n.up {
		n.up = false
		n.incarnation++
		s.closeInboxes(n)
		if s.observed() {
			s.emit(Event{Kind: EvDown, Node: id})
		}
	}
}

func (s *Sim) closeInboxes(n *simNode) {
	streams := mapsKeys(n.inboxes)
	slices.Sort(streams)
	for _, st := range streams {
		n.inboxes[st].Close()
	}
}

// Up reports whether id is attached and not down.
func (s *Sim) Up(id NodeID) bool { n := s.nodes[id]; return n != nil && n.up }

// simEndpoint is one incarnation's attachment. An endpoint of an earlier
// incarnation keeps its own, closed, inboxes and can no longer send: a
// task of the old incarnation that outlived the restart must not read
// the new one's messages or send in its name.
type simEndpoint struct {
	net     *Sim
	node    *simNode
	inc     uint32
	inboxes map[Stream]*clock.Mailbox[Envelope] // lookup only
}

func (e *simEndpoint) ID() NodeID { return e.node.id }

func (e *simEndpoint) Inbox(st Stream) *clock.Mailbox[Envelope] {
	m := e.inboxes[st]
	if m == nil {
		panic(fmt.Sprintf("network: node %s has no stream %q", e.node.id, st))
	}
	return m
}

func (e *simEndpoint) Send(to NodeID, st Stream, msg any) error {
	return e.net.send(e.node, e.inc, to, st, msg)
}

// send decides a message's fate: a synchronous error, a silent loss, or a
// place in its link's queue (twice, if duplicated).
func (s *Sim) send(from *simNode, inc uint32, to NodeID, st Stream, msg any) error {
	dst := s.nodes[to]
	switch {
	case dst == nil:
		s.stats.Rejected++
		return &SendError{From: from.id, To: to, Stream: st, Err: ErrUnreachable, Detail: "unknown node"}
	case !from.up:
		s.stats.Rejected++
		return &SendError{From: from.id, To: to, Stream: st, Err: ErrUnreachable, Detail: "sender is down"}
	case from.incarnation != inc:
		s.stats.Rejected++
		return &SendError{From: from.id, To: to, Stream: st, Err: ErrUnreachable, Detail: "endpoint of an earlier incarnation"}
	}
	l := s.link(linkKey{from.id, to, st})
	if err := s.syncFailure(l); err != nil {
		s.stats.Rejected++
		l.covered(err)
		return err
	}
	s.nextID++
	s.stats.Sent++
	env := Envelope{From: from.id, To: to, Stream: st, Msg: msg, ID: s.nextID}
	now := s.rt.Now()
	switch {
	case !dst.up:
		s.stats.DroppedDown++
		l.coverFault(faultDown)
		if s.observe != nil {
			s.emit(Event{Kind: EvLostDown, Env: env})
		}
		return nil
	case s.blocked(from.id, to, now):
		s.stats.DroppedCut++
		l.coverFault(faultPartition)
		if s.observe != nil {
			s.emit(Event{Kind: EvCut, Env: env})
		}
		return nil
	case s.faults.DropP > 0 && s.chance(s.faults.DropP):
		s.stats.DroppedRandom++
		l.coverFault(faultDrop)
		if s.observed() {
			s.emit(Event{Kind: EvDrop, Env: env})
		}
		return nil
	}
	at := l.enqueue(inflight{env: env, at: now.Add(s.latency(l)), inc: dst.incarnation})
	if s.observe != nil {
		s.emit(Event{Kind: EvSend, Env: env, At: at})
	}
	if s.faults.DupP > 0 && s.chance(s.faults.DupP) {
		s.stats.Duplicated++
		l.coverFault(faultDup)
		at := l.enqueue(inflight{env: env, at: now.Add(s.latency(l)), inc: dst.incarnation})
		if s.observed() {
			s.emit(Event{Kind: EvDup, Env: env, At: at})
		}
	}
	return nil
}

// syncFailure returns the error a send fails with at once, if any.
func (s *Sim) syncFailure(l *link) error {
	switch {
	case l.n >= s.faults.LinkCapacity:
		return l.errFull
	case s.faults.CongestedP > 0 && s.chance(s.faults.CongestedP):
		return l.errCongested
	case s.faults.NotReadyP > 0 && s.chance(s.faults.NotReadyP):
		return l.errNotReady
	}
	return nil
}

func (s *Sim) latency(l *link) time.Duration {
	d := s.faults.Latency.Sample(s.r)
	if s.faults.SpikeP > 0 && s.chance(s.faults.SpikeP) {
		l.coverFault(faultDelay)
		d += s.faults.Spike.Sample(s.r)
	}
	return d
}

func (s *Sim) link(k linkKey) *link {
	l := s.links[k]
	if l == nil {
		l = &link{net: s, key: k}
		l.errFull = &SendError{From: k.from, To: k.to, Stream: k.stream, Err: ErrCongested, Detail: "link at capacity"}
		l.errCongested = &SendError{From: k.from, To: k.to, Stream: k.stream, Err: ErrCongested}
		l.errNotReady = &SendError{From: k.from, To: k.to, Stream: k.stream, Err: ErrNotReady}
		l.timer = s.rt.Schedule(time.Hour, l.deliver)
		l.timer.Stop()
		s.links[k] = l
		s.lorder = append(s.lorder, l)
	}
	return l
}

// enqueue appends m, keeping delivery times non-decreasing along the
// link, and returns the delivery time it was given.
func (l *link) enqueue(m inflight) clock.Time {
	m.at = max(m.at, l.last)
	l.last = m.at
	if l.n == len(l.q) {
		l.grow()
	}
	l.q[(l.head+l.n)&(len(l.q)-1)] = m
	l.n++
	if l.n == 1 {
		l.timer.Reset(m.at.Sub(l.net.rt.Now()))
	}
	return m.at
}

func (l *link) grow() {
	q := make([]inflight, max(8, 2*len(l.q)))
	for i := range l.n {
		q[i] = l.q[(l.head+i)&(len(l.q)-1)]
	}
	l.q, l.head = q, 0
}

// deliver hands every due message at the head of the link to its inbox,
// unless a rule holds the link, then re-arms for the new head.
func (l *link) deliver() {
	s := l.net
	now := s.rt.Now()
	for l.n > 0 {
		m := &l.q[l.head]
		if m.at > now {
			break
		}
		switch until := s.held(l.key.from, l.key.to, now); {
		case until == Forever:
			l.coverFault(faultClog)
			l.timer.Stop() // Heal re-arms it
			return
		case until > now:
			l.coverFault(faultClog)
			l.timer.Reset(until.Sub(now))
			return
		}
		env, inc := m.env, m.inc
		l.q[l.head] = inflight{}
		l.head = (l.head + 1) & (len(l.q) - 1)
		l.n--
		s.handOver(l, env, inc, now)
	}
	if l.n > 0 {
		l.timer.Reset(l.q[l.head].at.Sub(now))
	}
}

// handOver puts a due message in its inbox if the path is still open and
// the receiver is the incarnation it was sent to.
func (s *Sim) handOver(l *link, env Envelope, inc uint32, now clock.Time) {
	dst := s.nodes[env.To]
	switch {
	case !dst.up || dst.incarnation != inc:
		s.stats.DroppedDown++
		l.coverFault(faultDown)
		if s.observe != nil {
			s.emit(Event{Kind: EvLostDown, Env: env})
		}
	case s.blocked(env.From, env.To, now):
		s.stats.DroppedCut++
		l.coverFault(faultPartition)
		if s.observe != nil {
			s.emit(Event{Kind: EvCut, Env: env})
		}
	default:
		kind := s.stats.deliver(dst.inboxes[env.Stream], env)
		if s.observe != nil {
			s.emit(Event{Kind: kind, Env: env})
		}
	}
}

func (s *Sim) blocked(from, to NodeID, now clock.Time) bool {
	for _, r := range s.rules {
		if r.Blocks(from, to, now) {
			return true
		}
	}
	return false
}

func (s *Sim) held(from, to NodeID, now clock.Time) clock.Time {
	var until clock.Time
	for _, r := range s.rules {
		until = max(until, r.Holds(from, to, now))
	}
	return until
}

// mapsKeys returns the keys of m in an unspecified order; callers sort.
func mapsKeys[K comparable, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m { //dst:allow map-range: callers sort the keys
		out = append(out, k)
	}
	return out
}

// Rules returns the standing rules, oldest first.
func (s *Sim) Rules() []Rule {
	s.expire()
	return slices.Clone(s.rules)
}

// String prints the standing rules on one line.
func (s *Sim) String() string {
	var parts []string
	for _, r := range s.Rules() {
		parts = append(parts, r.String())
	}
	return "rules[" + strings.Join(parts, " ") + "]"
}
