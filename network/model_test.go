package network_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/network"
	"pgregory.net/rapid"
)

// This file holds the reachability model that the rapid test in
// sim_test.go runs network.Sim against: the actions a check draws, and a
// model that records, for every message, what the path looked like when it
// was sent, and replays the history of rules, crashes and restarts to say
// whether a delivery at a given virtual time was possible at all.
//
// Ties at one instant are the model's only uncertainty. Every model event
// (a send, a rule, a crash) happens in the main task, so their order is
// exact; a delivery is a timer callback, and at the instant a rule is
// added or healed it may come before or after it. The model therefore
// treats a rule as in force at delivery time T only for start < T < end:
// it never forbids what the network may legitimately do. Incarnations
// need no such care: each receiver logs the incarnation of the inbox it
// reads, so "delivered to the incarnation it was sent to" is exact.
//
// A sender's crash does not stop its messages already in flight (they
// are on the wire); a receiver's crash or restart loses every message in
// flight to it.

// TestMain raises rapid's default from 100 checks to 500: a check is one
// short simulated run (about a millisecond), and the model test is the
// network's main safety net. -rapid.checks or RAPID_CHECKS still decide.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "rapid.checks" })
	if _, env := os.LookupEnv("RAPID_CHECKS"); !set && !env {
		if err := flag.Set("rapid.checks", "500"); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}

var modelStreams = []network.Stream{"a", "b"}

func nodeID(i int) network.NodeID { return network.NodeID(fmt.Sprintf("n%d", i)) }

type actKind uint8

const (
	actSend        actKind = iota
	actSendStale           // send on an endpoint of an earlier incarnation
	actSendUnknown         // send to a node that was never attached
	actPartition
	actOneWay
	actIsolate
	actClog
	actHeal
	actCrash
	actRestart
	actSleep
)

// action is one step of a check, drawn before the run and executed by the
// world's main task.
type action struct {
	Kind   actKind
	A, B   int           // nodes
	Stream int           // index into modelStreams
	D      time.Duration // rule length (0: until Heal) or sleep
	// Sim, on a crash, crashes the simulator node (w.Crash: its tasks and
	// timers die, and the network marks it down) rather than only marking
	// it down on the network (SetDown).
	Sim bool
}

func (a action) String() string {
	switch a.Kind {
	case actSend:
		return fmt.Sprintf("send(n%d->n%d/%s)", a.A, a.B, modelStreams[a.Stream])
	case actSendStale:
		return fmt.Sprintf("send-stale(n%d->n%d/%s)", a.A, a.B, modelStreams[a.Stream])
	case actSendUnknown:
		return fmt.Sprintf("send-unknown(n%d->ghost)", a.A)
	case actPartition:
		return fmt.Sprintf("partition(n%d,n%d,%v)", a.A, a.B, a.D)
	case actOneWay:
		return fmt.Sprintf("oneway(n%d->n%d,%v)", a.A, a.B, a.D)
	case actIsolate:
		return fmt.Sprintf("isolate(n%d,%v)", a.A, a.D)
	case actClog:
		return fmt.Sprintf("clog(n%d,%v)", a.A, a.D)
	case actHeal:
		return "heal"
	case actCrash:
		if a.Sim {
			return fmt.Sprintf("crash(n%d)", a.A)
		}
		return fmt.Sprintf("setdown(n%d)", a.A)
	case actRestart:
		return fmt.Sprintf("restart(n%d)", a.A)
	case actSleep:
		return fmt.Sprintf("sleep(%v)", a.D)
	}
	return fmt.Sprintf("action(%d)", a.Kind)
}

// scenario is everything one check runs: the simulator seed, the node
// count, the network's faults and the actions.
type scenario struct {
	Seed    uint64
	Nodes   int
	Faults  network.Faults
	Actions []action
}

func (s scenario) String() string {
	var b strings.Builder
	f := s.Faults
	fmt.Fprintf(&b, "seed=%d nodes=%d latency=%v drop=%v dup=%v spike=%v/%v congested=%v not-ready=%v capacity=%d\n",
		s.Seed, s.Nodes, f.Latency, f.DropP, f.DupP, f.SpikeP, f.Spike, f.CongestedP, f.NotReadyP, f.LinkCapacity)
	for i, a := range s.Actions {
		fmt.Fprintf(&b, "  %2d %v\n", i, a)
	}
	return b.String()
}

func drawFaults(t *rapid.T) network.Faults {
	ms := time.Millisecond
	return network.Faults{
		Latency: rapid.SampledFrom([]network.Dist{
			network.Fixed(0), network.Fixed(ms), network.Uniform(0, 5*ms),
			network.Uniform(ms, 20*ms), network.LongTail(2*ms, 50*ms),
		}).Draw(t, "latency"),
		DropP:      rapid.SampledFrom([]float64{0, 0, 0.05, 0.3}).Draw(t, "drop"),
		DupP:       rapid.SampledFrom([]float64{0, 0, 0.1, 0.3}).Draw(t, "dup"),
		SpikeP:     rapid.SampledFrom([]float64{0, 0.1, 0.5}).Draw(t, "spike"),
		Spike:      rapid.SampledFrom([]network.Dist{network.Uniform(10*ms, 300*ms), network.LongTail(50*ms, 500*ms)}).Draw(t, "spike-delay"),
		CongestedP: rapid.SampledFrom([]float64{0, 0, 0.05}).Draw(t, "congested"),
		NotReadyP:  rapid.SampledFrom([]float64{0, 0, 0.05}).Draw(t, "not-ready"),
		// Small capacities make ErrCongested from a full link reachable.
		LinkCapacity: rapid.SampledFrom([]int{4096, 1, 2, 5}).Draw(t, "capacity"),
	}
}

// actionMix weights the kinds of action by repetition. rapid favours the
// first entries of a table a little, and shrinks towards them: a zero
// sleep, a no-op, comes first.
var actionMix = []actKind{
	actSleep, actSend, actSend, actSend, actSleep, actSend, actSend, actSend,
	actPartition, actOneWay, actClog, actRestart, actSend, actCrash, actSleep, actSendStale,
	actIsolate, actHeal, actSendUnknown, actSleep, actSend, actRestart,
}

func drawAction(t *rapid.T, nodes int) action {
	a := action{
		A:      rapid.IntRange(0, nodes-1).Draw(t, "a"),
		Stream: rapid.IntRange(0, len(modelStreams)-1).Draw(t, "stream"),
	}
	// b is another node than a.
	a.B = (a.A + 1 + rapid.IntRange(0, nodes-2).Draw(t, "b")) % nodes
	a.Kind = rapid.SampledFrom(actionMix).Draw(t, "kind")
	switch a.Kind {
	case actSleep:
		if rapid.Bool().Draw(t, "short") {
			a.D = time.Duration(rapid.IntRange(0, 3000).Draw(t, "sleep-us")) * time.Microsecond
		} else {
			a.D = time.Duration(rapid.IntRange(0, 3000).Draw(t, "sleep-ms")) * time.Millisecond
		}
	case actSend:
		if rapid.IntRange(0, 9).Draw(t, "self") == 0 {
			a.B = a.A // a node may send to itself
		}
	case actPartition, actOneWay, actIsolate, actClog:
		a.D = time.Duration(rapid.IntRange(0, 2000).Draw(t, "rule-ms")) * time.Millisecond
	case actCrash:
		a.Sim = rapid.Bool().Draw(t, "sim")
	}
	return a
}

func drawScenario(t *rapid.T) scenario {
	s := scenario{
		Seed:   rapid.Uint64().Draw(t, "seed"),
		Nodes:  rapid.IntRange(2, 4).Draw(t, "nodes"),
		Faults: drawFaults(t),
	}
	// Blocks of blocks of actions: rapid's slices average about six
	// elements, and nesting gives runs of a hundred or more actions that
	// still shrink by whole blocks and single actions.
	act := rapid.Custom(func(t *rapid.T) action { return drawAction(t, s.Nodes) })
	for _, blocks := range rapid.SliceOfN(rapid.SliceOfN(rapid.SliceOfN(act, 1, 12), 1, 8), 1, 10).Draw(t, "actions") {
		for _, block := range blocks {
			s.Actions = append(s.Actions, block...)
		}
	}
	return s
}

// maxOf returns the largest duration d can draw.
func maxOf(d network.Dist) time.Duration {
	if d.Kind == network.DistFixed {
		return d.A
	}
	return max(d.A, d.B)
}

// minOf returns the smallest duration d can draw.
func minOf(d network.Dist) time.Duration {
	if d.Kind == network.DistLongTail {
		return 0
	}
	return d.A
}

// ruleRec is a Cut (from -> to) or a Clog (of node) as the model saw it
// installed.
type ruleRec struct {
	cut      bool
	from, to int // cut
	node     int // clog
	start    clock.Time
	end      clock.Time // 0: until Heal
	healed   bool
	healedAt clock.Time
}

// effEnd returns when the rule stopped applying, and false while it is
// open-ended (until a Heal that has not come yet).
func (r *ruleRec) effEnd() (clock.Time, bool) {
	switch {
	case r.healed && (r.end == 0 || r.healedAt < r.end):
		return r.healedAt, true
	case r.end != 0:
		return r.end, true
	}
	return 0, false
}

// inForce reports whether the rule applies now, for an event of the main
// task (a send), whose order relative to the rule's changes is exact.
func (r *ruleRec) inForce(now clock.Time) bool {
	return !r.healed && (r.end == 0 || now < r.end)
}

// surelyAt reports whether the rule applied at time t for certain,
// whatever the order of events at the instants it began and ended.
func (r *ruleRec) surelyAt(t clock.Time) bool {
	end, ok := r.effEnd()
	return r.start < t && (!ok || t < end)
}

func (r *ruleRec) affects(from, to int) bool {
	if r.cut {
		return r.from == from && r.to == to
	}
	return r.node == from || r.node == to
}

func (r *ruleRec) String() string {
	end, ok := r.effEnd()
	e := "open"
	if ok {
		e = end.String()
	}
	if r.cut {
		return fmt.Sprintf("cut(n%d->n%d, %v..%s)", r.from, r.to, r.start, e)
	}
	return fmt.Sprintf("clog(n%d, %v..%s)", r.node, r.start, e)
}

type modelNode struct {
	up bool
	// incStart[k] is when incarnation k of the node began: k = 0 at the
	// first Attach; every SetDown of an up node and every later Attach
	// starts a new one, as in network.Sim.
	incStart []clock.Time
}

func (n *modelNode) inc() int { return len(n.incStart) - 1 }

// msgRec is one send and what became of it.
type msgRec struct {
	payload    int
	from, to   int
	stream     network.Stream
	at         clock.Time
	err        error
	open       bool // the receiver was up and no cut from -> to was in force at send
	toInc      int
	mayDrop    bool // DropP > 0 and no Heal yet
	mayDup     bool // DupP > 0 and no Heal yet
	deliveries []delivery
}

func (m *msgRec) String() string {
	return fmt.Sprintf("msg %d n%d->n%d/%s sent at %v (err=%v open=%v to incarnation %d)",
		m.payload, m.from, m.to, m.stream, m.at, m.err, m.open, m.toInc)
}

// delivery is one envelope taken from an inbox of incarnation inc of node
// at time at. The receiver runs at the instant of the hand-over (time
// only moves when no task is runnable), so at is the delivery time.
type delivery struct {
	at   clock.Time
	node int
	inc  int
	env  network.Envelope
}

type linkKey struct {
	from, to int
	stream   network.Stream
}

type fifoKey struct {
	linkKey
	inc int // the receiver's
}

type model struct {
	f      network.Faults
	healed bool // after a Heal, per-message faults are off for good
	nodes  []*modelNode
	rules  []*ruleRec
	msgs   []*msgRec // by payload
	links  map[linkKey][]int
	last   map[fifoKey]int // payload of the newest delivery per link and receiver incarnation
	errs   []string
}

func newModel(s scenario) *model {
	m := &model{f: s.Faults, links: map[linkKey][]int{}, last: map[fifoKey]int{}}
	for range s.Nodes {
		m.nodes = append(m.nodes, &modelNode{})
	}
	return m
}

func (m *model) failf(format string, args ...any) {
	m.errs = append(m.errs, fmt.Sprintf(format, args...))
}

func (m *model) attach(n int, now clock.Time) {
	m.nodes[n].up = true
	m.nodes[n].incStart = append(m.nodes[n].incStart, now)
}

func (m *model) down(n int, now clock.Time) {
	if nd := m.nodes[n]; nd.up {
		nd.up = false
		nd.incStart = append(nd.incStart, now)
	}
}

func (m *model) addCut(from, to int, now clock.Time, d time.Duration) {
	m.rules = append(m.rules, &ruleRec{cut: true, from: from, to: to, start: now, end: until(now, d)})
}

func (m *model) addClog(n int, now clock.Time, d time.Duration) {
	m.rules = append(m.rules, &ruleRec{node: n, start: now, end: until(now, d)})
}

func until(now clock.Time, d time.Duration) clock.Time {
	if d <= 0 {
		return 0
	}
	return now.Add(d)
}

func (m *model) heal(now clock.Time) {
	m.healed = true
	for _, r := range m.rules {
		if !r.healed {
			r.healed, r.healedAt = true, now
		}
	}
}

// cutInForce reports whether a cut from -> to applies to a send now.
func (m *model) cutInForce(from, to int, now clock.Time) bool {
	for _, r := range m.rules {
		if r.cut && r.affects(from, to) && r.inForce(now) {
			return true
		}
	}
	return false
}

// newMsg records a send about to happen, with the path as it is now.
func (m *model) newMsg(from, to, stream int, now clock.Time) *msgRec {
	msg := &msgRec{
		payload: len(m.msgs), from: from, to: to, stream: modelStreams[stream], at: now,
		open:    m.nodes[to].up && !m.cutInForce(from, to, now),
		toInc:   m.nodes[to].inc(),
		mayDrop: m.f.DropP > 0 && !m.healed,
		mayDup:  m.f.DupP > 0 && !m.healed,
	}
	m.msgs = append(m.msgs, msg)
	k := linkKey{from, to, msg.stream}
	m.links[k] = append(m.links[k], msg.payload)
	return msg
}

// outstanding bounds from above the messages network.Sim can hold in
// flight on a link: every copy of every message accepted on an open path
// that was not taken from an inbox yet (a copy dropped on the way still
// counts: the bound is loose, never short).
func (m *model) outstanding(k linkKey) int {
	n := 0
	for _, p := range m.links[k] {
		msg := m.msgs[p]
		if msg.err != nil || !msg.open {
			continue
		}
		copies := 1
		if msg.mayDup {
			copies = 2
		}
		n += max(copies-len(msg.deliveries), 0)
	}
	return n
}

// sent checks a send's synchronous result against what the model allows.
// unreachable says whether ErrUnreachable is the only right answer (stale
// endpoint, unknown receiver, sender down); otherwise it must not be.
func (m *model) sent(msg *msgRec, err error, unreachable bool) {
	msg.err = err
	what := fmt.Sprintf("send of %v", msg)
	switch {
	case unreachable:
		if !errors.Is(err, network.ErrUnreachable) {
			m.failf("%s: got error %v, want ErrUnreachable", what, err)
		}
	case err == nil:
	case errors.Is(err, network.ErrUnreachable):
		m.failf("%s: ErrUnreachable from an up sender to a known node: %v", what, err)
	case errors.Is(err, network.ErrNotReady):
		if m.f.NotReadyP == 0 || m.healed {
			m.failf("%s: ErrNotReady with NotReadyP=%v healed=%v: %v", what, m.f.NotReadyP, m.healed, err)
		}
	case errors.Is(err, network.ErrCongested):
		k := linkKey{msg.from, msg.to, msg.stream}
		if (m.f.CongestedP == 0 || m.healed) && m.outstanding(k) < m.f.LinkCapacity {
			m.failf("%s: ErrCongested with CongestedP=%v healed=%v and at most %d of capacity %d in flight: %v",
				what, m.f.CongestedP, m.healed, m.outstanding(k), m.f.LinkCapacity, err)
		}
	default:
		m.failf("%s: unexpected error %v", what, err)
	}
}

// delivered checks one delivery against the model.
func (m *model) delivered(d delivery) {
	p, ok := d.env.Msg.(int)
	if !ok || p < 0 || p >= len(m.msgs) {
		m.failf("delivery at %v of unknown message %v", d.at, d.env)
		return
	}
	msg := m.msgs[p]
	what := fmt.Sprintf("delivery at %v to n%d (incarnation %d) of %v", d.at, d.node, d.inc, msg)
	msg.deliveries = append(msg.deliveries, d)
	switch {
	case msg.err != nil:
		m.failf("%s: the send had failed", what)
	case !msg.open:
		m.failf("%s: the path was closed at send (receiver down or cut)", what)
	case d.env.From != nodeID(msg.from) || d.env.To != nodeID(msg.to) || d.env.Stream != msg.stream || d.node != msg.to:
		m.failf("%s: envelope %v does not match", what, d.env)
	case d.inc != msg.toInc:
		m.failf("%s: sent to incarnation %d of the receiver", what, msg.toInc)
	case d.at.Sub(msg.at) < minOf(m.f.Latency):
		m.failf("%s: faster than the minimum latency %v", what, minOf(m.f.Latency))
	}
	for _, r := range m.rules {
		if r.affects(msg.from, msg.to) && r.surelyAt(d.at) {
			m.failf("%s: %v was in force", what, r)
		}
	}
	if n := len(msg.deliveries); n == 2 && !msg.mayDup || n > 2 {
		m.failf("%s: delivered %d times (DupP=%v, healed before send=%v)", what, n, m.f.DupP, !msg.mayDup && m.f.DupP > 0)
	}
	if first := msg.deliveries[0].env.ID; d.env.ID != first {
		m.failf("%s: envelope ID %d, an earlier copy had %d", what, d.env.ID, first)
	}
	// FIFO per link: the delivered subsequence follows send order; only a
	// duplicate may repeat the message just delivered. Receivers log in
	// hand-over order per inbox, so the order is checked per incarnation
	// of the receiver (a message to the old one may be logged after one to
	// the new one at the same instant).
	k := fifoKey{linkKey{msg.from, msg.to, msg.stream}, d.inc}
	if last, ok := m.last[k]; ok && (p < last || p == last && len(msg.deliveries) < 2) {
		m.failf("%s: out of order on its link, after message %d", what, last)
	}
	m.last[k] = p
}

// finish checks, after a final Heal at healedAt and a drain, the
// properties of the whole run: IDs follow send order, and every message
// the network had no excuse to lose was delivered.
func (m *model) finish(healedAt clock.Time) (checked int) {
	var lastID uint64
	lastP := -1
	for _, msg := range m.msgs {
		if len(msg.deliveries) == 0 {
			continue
		}
		if id := msg.deliveries[0].env.ID; id <= lastID {
			m.failf("message %d has envelope ID %d, not above message %d's %d", msg.payload, id, lastP, lastID)
		} else {
			lastID, lastP = id, msg.payload
		}
	}
	for _, msg := range m.msgs {
		if msg.err != nil || !msg.open || msg.mayDrop || msg.toInc != m.nodes[msg.to].inc() {
			continue
		}
		// A cut that applied at any instant from the send to the heal may
		// have met the delivery attempt: even one that began and ended at
		// the send's instant, since deliveries fire whenever the main task
		// blocks (it does, waiting for a node's sender task).
		cut := slices.ContainsFunc(m.rules, func(r *ruleRec) bool {
			end, _ := r.effEnd() // every rule is healed by now
			return r.cut && r.affects(msg.from, msg.to) && end >= msg.at
		})
		if cut {
			continue
		}
		checked++
		if len(msg.deliveries) == 0 {
			m.failf("%v: never delivered, though nothing could drop it (final heal at %v)", msg, healedAt)
		}
	}
	return checked
}
