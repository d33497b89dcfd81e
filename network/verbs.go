package network

import "time"

// AddRule installs a standing rule.
func (s *Sim) AddRule(r Rule) {
	s.expire()
	s.rules = append(s.rules, r)
	if s.observed() {
		s.emit(Event{Kind: EvRule, Rule: r})
	}
}

// Partition cuts a and b off from each other, both ways, for d (0: until
// Heal).
func (s *Sim) Partition(a, b NodeID, d time.Duration) {
	s.AddRule(Cut{From: a, To: b, End: s.until(d)})
	s.AddRule(Cut{From: b, To: a, End: s.until(d)})
}

// PartitionOneWay cuts messages from a to b, not those from b to a.
func (s *Sim) PartitionOneWay(a, b NodeID, d time.Duration) {
	s.AddRule(Cut{From: a, To: b, End: s.until(d)})
}

// Isolate partitions n from every other attached node.
func (s *Sim) Isolate(n NodeID, d time.Duration) {
	for _, o := range s.order {
		if o.id != n {
			s.Partition(n, o.id, d)
		}
	}
}

// Clog holds every message to and from n for d; then they drain in order.
func (s *Sim) Clog(n NodeID, d time.Duration) { s.AddRule(Clog{Node: n, End: s.until(d)}) }

// Heal removes every rule: partitions are repaired and clogs lift (held
// links drain at once). Per-message faults (drop, duplicate, spikes,
// synchronous failures) are switched off too, and the random fault task
// stops injecting: after Heal the network is a clean LAN with the
// configured base latency, which is what the liveness phase needs.
func (s *Sim) Heal() {
	s.rules = nil
	s.healed = true
	base := s.faults
	s.faults = Faults{Latency: base.Latency, LinkCapacity: base.LinkCapacity}
	if s.observed() {
		s.emit(Event{Kind: EvHeal})
	}
	for _, l := range s.lorder {
		if l.n > 0 {
			l.timer.Reset(max(l.q[l.head].at.Sub(s.rt.Now()), 0))
		}
	}
}

// Healed reports whether Heal was called.
func (s *Sim) Healed() bool { return s.healed }

func (s *Sim) until(d time.Duration) Until {
	if d <= 0 {
		return 0
	}
	return Until(s.rt.Now().Add(d))
}

// expire drops rules whose time is up.
func (s *Sim) expire() {
	now := s.rt.Now()
	kept := s.rules[:0]
	for _, r := range s.rules {
		if !r.Expired(now) {
			kept = append(kept, r)
		}
	}
	clear(s.rules[len(kept):])
	s.rules = kept
}

// RunFaults injects random partitions and clogs at the configured rates
// until Heal. Start it as a task (rt.Go("net/faults", net.RunFaults)).
func (s *Sim) RunFaults() {
	if mean := s.faults.PartitionEvery; mean > 0 {
		s.rt.Go("net/partitions", func() { s.inject(mean, s.randomPartition) })
	}
	if mean := s.faults.ClogEvery; mean > 0 {
		s.rt.Go("net/clogs", func() { s.inject(mean, s.randomClog) })
	}
}

// inject waits an exponentially distributed time with the given mean,
// then acts, until Heal.
func (s *Sim) inject(mean time.Duration, act func()) {
	for !s.healed {
		if s.hint != nil {
			s.hint.HintFaultGap()
		}
		s.rt.Sleep(time.Duration(s.r.ExpFloat64() * float64(mean)))
		if !s.healed && len(s.order) >= 2 {
			act()
		}
	}
}

func (s *Sim) randomPartition() {
	a := s.order[s.r.IntN(len(s.order))].id
	b := a
	for b == a {
		b = s.order[s.r.IntN(len(s.order))].id
	}
	d := s.faults.PartitionFor.Sample(s.r)
	if s.r.IntN(2) == 0 {
		s.PartitionOneWay(a, b, d)
	} else {
		s.Partition(a, b, d)
	}
}

func (s *Sim) randomClog() {
	n := s.order[s.r.IntN(len(s.order))].id
	s.Clog(n, s.faults.ClogFor.Sample(s.r))
}
