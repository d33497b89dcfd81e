//dst:file-allow go-statement,wall-clock,select,map-range: the real network's fault injector runs on a goroutine and the wall clock
package network

import (
	"slices"
	"time"

	"github.com/cdcsim/cdcsim/clock"
)

// Faults on the real network: the same classes as Sim's, drawn from the
// runtime's randomly seeded stream and timed by the wall clock, so that a
// stress test of the model on real goroutines (bench/peers) meets what a
// simulated run meets. Per-message faults apply at send: a synchronous
// failure (link at capacity, congested, not ready), a drop, a delay
// spike (which holds back the rest of its link too: each link is FIFO,
// as in Sim), a duplicate. Partitions (cuts) drop a message at send and
// again when it falls due; clogs hold a link's queue until they lift,
// then it drains in order. Unlike Sim, nothing here is reproducible.

// SetFaults replaces the latency and the per-message faults by f's, and
// remembers f's partition and clog rates for RunFaults. Call it before
// the first send. It refuses the faults Sim would refuse, except that a
// LinkCapacity of 0 means unbounded links here (Real's default).
func (n *Real) SetFaults(f Faults) error {
	v := f
	v.LinkCapacity = max(v.LinkCapacity, 1)
	if err := v.Validate(); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.latency, n.faults = f.Latency, f
	return nil
}

// RunFaults starts the injectors of random partitions and clogs at the
// rates SetFaults gave (a zero rate: none), each on its own goroutine,
// until Heal or Close. A partition is one-way with probability 1/2 and
// lasts Faults.PartitionFor; a clog holds every link to and from one node
// for Faults.ClogFor.
func (n *Real) RunFaults() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if mean := n.faults.PartitionEvery; mean > 0 {
		n.wg.Add(1)
		go n.inject(mean, n.randomPartition)
	}
	if mean := n.faults.ClogEvery; mean > 0 {
		n.wg.Add(1)
		go n.inject(mean, n.randomClog)
	}
}

// Heal removes every partition and clog (held links drain at once),
// switches the per-message faults off and stops the injectors; the base
// latency and the link capacity stay, as in Sim. Healing twice is
// harmless.
func (n *Real) Heal() {
	n.mu.Lock()
	defer n.mu.Unlock()
	select {
	case <-n.healed:
		return
	default:
	}
	close(n.healed)
	n.rules = nil
	n.faults = Faults{Latency: n.faults.Latency, LinkCapacity: n.faults.LinkCapacity}
	for _, l := range n.links {
		n.wakeLink(l)
	}
}

// inject waits an exponentially distributed time with the given mean,
// then acts, until Heal or Close.
func (n *Real) inject(mean time.Duration, act func()) {
	defer n.wg.Done()
	for {
		n.mu.Lock()
		wait := time.Duration(n.r.ExpFloat64() * float64(mean))
		n.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-n.healed:
			t.Stop()
			return
		case <-n.done:
			t.Stop()
			return
		}
		n.mu.Lock()
		if len(n.order) >= 2 {
			act()
		}
		n.mu.Unlock()
	}
}

// randomPartition cuts two random nodes apart, one way or both. Called
// with n.mu held.
func (n *Real) randomPartition() {
	a := n.order[n.r.IntN(len(n.order))].id
	b := a
	for b == a {
		b = n.order[n.r.IntN(len(n.order))].id
	}
	n.expire()
	end := Until(n.rt.Now().Add(n.faults.PartitionFor.Sample(n.r)))
	n.rules = append(n.rules, Cut{From: a, To: b, End: end})
	if n.r.IntN(2) == 0 {
		n.rules = append(n.rules, Cut{From: b, To: a, End: end})
	}
}

// randomClog holds every link to and from a random node for a while.
// Called with n.mu held.
func (n *Real) randomClog() {
	id := n.order[n.r.IntN(len(n.order))].id
	n.expire()
	n.rules = append(n.rules, Clog{Node: id, End: Until(n.rt.Now().Add(n.faults.ClogFor.Sample(n.r)))})
	for k, l := range n.links {
		if k.from == id || k.to == id {
			n.wakeLink(l) // so that the link's goroutine sees the hold
		}
	}
}

// expire drops the rules whose time is up, so that a long stress run's
// sends do not scan every partition it ever had. Called with n.mu held.
func (n *Real) expire() {
	now := n.rt.Now()
	n.rules = slices.DeleteFunc(n.rules, func(r Rule) bool { return r.Expired(now) })
}

// syncFailure returns the error a send on l fails with at once, if any.
// Called with n.mu held.
func (n *Real) syncFailure(l *realLink) error {
	f := &n.faults
	var err error
	switch {
	case f.LinkCapacity > 0 && len(l.q) >= f.LinkCapacity:
		err = ErrCongested
	case f.CongestedP > 0 && n.r.Float64() < f.CongestedP:
		err = ErrCongested
	case f.NotReadyP > 0 && n.r.Float64() < f.NotReadyP:
		err = ErrNotReady
	default:
		return nil
	}
	return &SendError{From: l.key.from, To: l.key.to, Stream: l.key.stream, Err: err}
}

// dropped reports (and counts) whether a message just sent is lost to a
// partition or a random drop. Called with n.mu held.
func (n *Real) dropped(from, to NodeID) bool {
	switch {
	case n.blocked(from, to, n.rt.Now()):
		n.stats.DroppedCut++
		return true
	case n.faults.DropP > 0 && n.r.Float64() < n.faults.DropP:
		n.stats.DroppedRandom++
		return true
	}
	return false
}

// sampleLatency draws a message's delay: the latency, plus a spike with
// probability SpikeP. Called with n.mu held.
func (n *Real) sampleLatency() time.Duration {
	d := n.latency.Sample(n.r)
	if n.faults.SpikeP > 0 && n.r.Float64() < n.faults.SpikeP {
		d += n.faults.Spike.Sample(n.r)
	}
	return d
}

// blocked reports whether a cut stops from -> to at now. Called with n.mu
// held.
func (n *Real) blocked(from, to NodeID, now clock.Time) bool {
	for _, r := range n.rules {
		if r.Blocks(from, to, now) {
			return true
		}
	}
	return false
}

// heldUntil returns until when a clog holds link k (0: not held).
// Called with n.mu held.
func (n *Real) heldUntil(k linkKey, now clock.Time) clock.Time {
	var until clock.Time
	for _, r := range n.rules {
		until = max(until, r.Holds(k.from, k.to, now))
	}
	return until
}
