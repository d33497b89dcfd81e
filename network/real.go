//dst:file-allow go-statement,wall-clock,sync-primitive,select: the real network runs on goroutines and the wall clock
package network

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/cdcsim/cdcsim/clock"
)

// Real is an in-process network on real goroutines and the wall clock:
// the baseline that simulation is measured against. It has Sim's
// semantics without its faults: a send to an unknown node, from a node
// that is down, or on an endpoint of an earlier incarnation fails at once
// with ErrUnreachable; each message waits a latency drawn from a
// distribution; each (from, to, stream) is FIFO; a node attached again
// or set down loses the messages in flight to it, and its old inboxes
// close. It is not deterministic: delays are drawn from a randomly seeded
// stream and the goroutines interleave as they will.
//
// Each link has one goroutine, started by its first send, that delivers
// the link's queue in order, each message at its due time. Close stops
// them all.
//
// SetFaults (real_faults.go) optionally gives it Sim's fault classes
// too, on the wall clock: drops, duplicates, delay spikes, synchronous
// send failures, and random partitions and clogs, until Heal. That is
// what a stress test of the model needs (bench/peers); without it the
// network is a clean LAN.
type Real struct {
	rt      *clock.Real
	latency Dist
	done    chan struct{} // closed by Close
	wg      sync.WaitGroup

	mu     sync.Mutex // guards the fields below; taken before the runtime's lock
	r      *rand.Rand
	nodes  map[NodeID]*realNode // lookup only; order comes from order
	order  []*realNode
	links  map[linkKey]*realLink
	nextID uint64
	closed bool
	stats  Stats
	// faults and rules are the optional faults of real_faults.go: zero
	// (no fault) unless SetFaults was called; Heal clears them.
	faults Faults
	rules  []Rule
	healed chan struct{} // closed by Heal
}

var _ Network = (*Real)(nil)

type realNode struct {
	id          NodeID
	up          bool
	incarnation uint32
	inboxes     map[Stream]*clock.Mailbox[Envelope] // lookup only
	streams     []Stream                            // the inboxes' streams, sorted
}

type realLink struct {
	key  linkKey
	q    []inflight    // due times are non-decreasing
	last clock.Time    // due time of the newest message queued
	wake chan struct{} // capacity 1: the queue went from empty to not
}

// NewReal returns a real network on rt whose messages each wait a latency
// drawn from latency (Fixed(0) for none). Call Close when done.
func NewReal(rt *clock.Real, latency Dist) *Real {
	return &Real{rt: rt, latency: latency, done: make(chan struct{}), r: rt.Rand("network"),
		nodes: make(map[NodeID]*realNode), links: make(map[linkKey]*realLink), healed: make(chan struct{})}
}

// Attach connects node id with fresh inboxes for the given streams. A node
// attached again starts a new incarnation: messages in flight to the old
// one are lost, its inboxes are closed, and its endpoints can no longer
// send. After Close, the inboxes of a new endpoint are closed already.
func (n *Real) Attach(id NodeID, streams ...Stream) Endpoint {
	n.mu.Lock()
	defer n.mu.Unlock()
	nd := n.nodes[id]
	if nd == nil {
		nd = &realNode{id: id}
		n.nodes[id] = nd
		n.order = append(n.order, nd)
	} else {
		nd.incarnation++
		nd.closeInboxes()
	}
	nd.up = true
	nd.inboxes = make(map[Stream]*clock.Mailbox[Envelope], len(streams))
	nd.streams = nil
	for _, st := range streams {
		if nd.inboxes[st] == nil {
			nd.inboxes[st] = clock.NewUnbounded[Envelope](n.rt, fmt.Sprintf("%s/%s", id, st))
			nd.streams = append(nd.streams, st)
		}
	}
	slices.Sort(nd.streams)
	if n.closed {
		nd.closeInboxes()
	}
	return &realEndpoint{net: n, node: nd, inc: nd.incarnation, inboxes: nd.inboxes}
}

// SetDown marks a node crashed: it can no longer send, messages in flight
// to it are lost and its inboxes close. Attach brings it back.
func (n *Real) SetDown(id NodeID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if nd := n.nodes[id]; nd != nil && nd.up {
		nd.up = false
		nd.incarnation++
		nd.closeInboxes()
	}
}

// Up reports whether id is attached and not down.
func (n *Real) Up(id NodeID) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	nd := n.nodes[id]
	return nd != nil && nd.up
}

// Stats returns the message counters (without SetFaults nothing is
// dropped at random or cut: DroppedRandom and DroppedCut stay 0).
func (n *Real) Stats() Stats {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.stats
}

// Close stops every link goroutine and waits for them, drops the
// messages still in flight, and closes every inbox so that receivers
// blocked on one return. Sends after Close fail with ErrUnreachable.
// Closing twice is harmless.
func (n *Real) Close() {
	n.mu.Lock()
	if !n.closed {
		n.closed = true
		close(n.done)
		for _, nd := range n.order {
			nd.closeInboxes()
		}
	}
	n.mu.Unlock()
	n.wg.Wait()
}

func (nd *realNode) closeInboxes() {
	for _, st := range nd.streams {
		nd.inboxes[st].Close()
	}
}

type realEndpoint struct {
	net     *Real
	node    *realNode
	inc     uint32
	inboxes map[Stream]*clock.Mailbox[Envelope] // this incarnation's; lookup only
}

func (e *realEndpoint) ID() NodeID { return e.node.id }

func (e *realEndpoint) Inbox(st Stream) *clock.Mailbox[Envelope] {
	m := e.inboxes[st]
	if m == nil {
		panic(fmt.Sprintf("network: node %s has no stream %q", e.node.id, st))
	}
	return m
}

func (e *realEndpoint) Send(to NodeID, st Stream, msg any) error {
	return e.net.send(e, to, st, msg)
}

func (n *Real) send(e *realEndpoint, to NodeID, st Stream, msg any) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	from := e.node
	unreachable := func(detail string) error {
		n.stats.Rejected++
		return &SendError{From: from.id, To: to, Stream: st, Err: ErrUnreachable, Detail: detail}
	}
	dst := n.nodes[to]
	switch {
	case n.closed:
		return unreachable("network closed")
	case dst == nil:
		return unreachable("unknown node")
	case !from.up:
		return unreachable("sender is down")
	case from.incarnation != e.inc:
		return unreachable("endpoint of an earlier incarnation")
	}
	l := n.link(linkKey{from.id, to, st})
	if err := n.syncFailure(l); err != nil {
		n.stats.Rejected++
		return err
	}
	n.nextID++
	n.stats.Sent++
	if !dst.up {
		n.stats.DroppedDown++
		return nil
	}
	if n.dropped(from.id, to) {
		return nil
	}
	env := Envelope{From: from.id, To: to, Stream: st, Msg: msg, ID: n.nextID}
	n.enqueue(l, inflight{env: env, inc: dst.incarnation})
	if n.faults.DupP > 0 && n.r.Float64() < n.faults.DupP {
		n.stats.Duplicated++
		n.enqueue(l, inflight{env: env, inc: dst.incarnation})
	}
	return nil
}

// enqueue queues m on l after a latency (with a spike, if the faults
// draw one), keeping due times non-decreasing along the link, and wakes
// the link's goroutine if the queue was empty. Called with n.mu held.
func (n *Real) enqueue(l *realLink, m inflight) {
	m.at = max(n.rt.Now().Add(n.sampleLatency()), l.last)
	l.last = m.at
	l.q = append(l.q, m)
	if len(l.q) == 1 {
		n.wakeLink(l)
	}
}

// wakeLink makes l's goroutine look at its queue again. Called with n.mu
// held.
func (n *Real) wakeLink(l *realLink) {
	select {
	case l.wake <- struct{}{}:
	default: // a wake-up is pending already
	}
}

// link returns the link for k, starting its goroutine on first use.
// Called with n.mu held.
func (n *Real) link(k linkKey) *realLink {
	l := n.links[k]
	if l == nil {
		l = &realLink{key: k, wake: make(chan struct{}, 1)}
		n.links[k] = l
		n.wg.Add(1)
		go n.pump(l)
	}
	return l
}

// pump delivers l's messages in order, each at its due time, until Close.
func (n *Real) pump(l *realLink) {
	defer n.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		n.mu.Lock()
		now := n.rt.Now()
		held := n.heldUntil(l.key, now) // a clog (real_faults.go)
		for len(l.q) > 0 && l.q[0].at <= now && held == 0 {
			m := l.q[0]
			l.q[0] = inflight{}
			l.q = l.q[1:]
			n.handOver(m)
		}
		wait := time.Duration(-1)
		switch {
		case len(l.q) == 0 || held == Forever: // idle until a send, or the Heal
		case held != 0:
			wait = max(held.Sub(now), l.q[0].at.Sub(now))
		default:
			wait = l.q[0].at.Sub(now)
		}
		n.mu.Unlock()
		if wait < 0 { // idle until a send
			select {
			case <-l.wake:
			case <-n.done:
				return
			}
			continue
		}
		// Messages queued meanwhile are due no earlier than the head, so
		// the wait needs no wake-up.
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-n.done:
			return
		}
	}
}

// handOver puts a due message in its inbox if the receiver is the
// incarnation it was sent to. Called with n.mu held.
func (n *Real) handOver(m inflight) {
	dst := n.nodes[m.env.To]
	if n.blocked(m.env.From, m.env.To, n.rt.Now()) { // a partition cuts messages in flight too, as Sim's
		n.stats.DroppedCut++
		return
	}
	if n.closed || !dst.up || dst.incarnation != m.inc {
		n.stats.DroppedDown++
		return
	}
	n.stats.deliver(dst.inboxes[m.env.Stream], m.env)
}
