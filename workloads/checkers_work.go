package workloads

import (
	"fmt"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/wire"
)

// WorkBudget bounds the work one dispatcher may cause (I15): how many
// REGISTERs and RESETs its collector queues for it and how many upstream
// subscriptions the event services create for it, over its whole life.
// A fault-free dispatcher needs one of each (plus a REGISTER per remote
// candidate it probes); every disruption the run sees (a message lost,
// cut, refused or duplicated, a crash, a dynstream drop or release) can
// legitimately cost a re-registration or a reset, so the budget grows
// with them. What it catches is work that grows without a cause: a
// re-registration or reset loop, a Removed answered twice (6.3 H1), a
// needless re-registration of a healthy stream (6.1 F1, trigger B).
type WorkBudget struct {
	// Registers, Resets and Subscriptions are the allowance of a
	// dispatcher in a run that saw no disruption.
	Registers, Resets, Subscriptions int
	// PerDisruption is how many more of each a dispatcher may spend per
	// disruption the run has seen so far (Run.Disruptions).
	PerDisruption float64
	// Every, if positive, allows one more of each per Every of the
	// dispatcher's life: for workloads whose services sweep records
	// their collectors keep (cluster.Config.HeartbeatTimeout below the
	// heartbeat interval), where each sweep legitimately costs a
	// re-registration, a subscription and a RESET.
	Every time.Duration
}

// limit is the budget of one kind after disruptions disruptions, for a
// dispatcher that has lived for age.
func (b WorkBudget) limit(base int, disruptions uint64, age time.Duration) int {
	n := base + int(b.PerDisruption*float64(disruptions))
	if b.Every > 0 {
		n += int(age / b.Every)
	}
	return n
}

// workCounts is one dispatcher's work so far (I15).
type workCounts struct {
	registers, resets, subscriptions int
	born                             clock.Time // when its first request was queued
	started                          bool
	dirty                            bool // in workState.dirty
}

// workState is I15's run-wide state.
type workState struct {
	// disruptions counts the run's disruptions (Run.Disruptions); nil
	// disables the budget (the onlyReuse rules still hold).
	disruptions func() uint64
	// dirty lists the dispatchers whose counts moved since the last
	// check, in order; err is the first rule Observe saw broken.
	dirty []wire.DispatcherID
	err   error
	// peak is the highest count of any kind of any dispatcher, and the
	// disruptions when it was reached: what a workload's budget is
	// measured against (Work).
	peak            int
	peakDisruptions uint64
}

// WorkPeak returns the highest REGISTER, RESET or subscription count of
// any dispatcher checked so far, and how many disruptions the run had
// seen when it was reached.
func (st *CheckState) WorkPeak() (count int, disruptions uint64) {
	return st.work.peak, st.work.peakDisruptions
}

// observeWork counts a queued request and checks its onlyReuse flag: a
// REGISTER to a remote asks only for reuse, one to L never does
// (PROTOCOL.md 3.1 T1, T2, T5', T8).
func (st *CheckState) observeWork(from, to wire.ServerID, r *wire.DispatcherRequest) {
	switch r.Action {
	case wire.ActionRegister:
		if r.OnlyReuse != (to != from) && st.work.err == nil {
			st.work.err = fmt.Errorf("%s queued %s to %s: a REGISTER asks only for reuse exactly when it goes to a remote", from, r, to)
		}
		st.countWork(r.DispatcherID, func(w *workCounts) { w.registers++ })
		st.observeRegisterForReady(to, r.DispatcherID)
	case wire.ActionReset:
		st.countWork(r.DispatcherID, func(w *workCounts) { w.resets++ })
	}
}

// observeSubscription counts a created subscription; one created for a
// REGISTER that asked only for reuse, or on a service for another node's
// collector, is wasted work.
func (st *CheckState) observeSubscription(o cluster.Observation) {
	if st.work.err == nil && (o.OnlyReuse || o.Node != o.To) {
		st.work.err = fmt.Errorf("event service %s created a subscription for %s on a REGISTER from %s with onlyReuse=%t: only reuse was allowed there",
			o.Node, o.Dispatcher, o.To, o.OnlyReuse)
	}
	st.countWork(o.Dispatcher, func(w *workCounts) { w.subscriptions++ })
}

func (st *CheckState) countWork(id wire.DispatcherID, count func(*workCounts)) {
	w := &st.of(id).work
	if !w.started && st.now != nil {
		w.born, w.started = st.now(), true
	}
	count(w)
	if !w.dirty {
		w.dirty = true
		st.work.dirty = append(st.work.dirty, id)
	}
}

// CheckI15NoWastedWork: a REGISTER that asked only for reuse never
// creates an upstream subscription, a REGISTER to a remote always asks
// only for reuse and one to L never does, and each dispatcher's counts
// of queued REGISTERs and RESETs and of created subscriptions stay
// within the workload's WorkBudget for the disruptions the run has seen
// (PROTOCOL.md 3.1 T2, T5', T8; 3.3, REGISTER row; 1.8). A remote asked
// to subscribe where it may only reuse duplicates the local event
// store's work on another node (issue 13's second missed bug); counts
// beyond any fault's excuse are a loop that wastes scans and resets
// while the checkpoints may still move, so no other checker sees it.
//
// The message budgets (checkers_messages.go) bound what the services
// send each dispatcher: Readies per registration (a back-off that does
// not grow is a Ready storm) and DML batches cut short within one scan.
//
// The flags are checked as Observe sees the requests and subscriptions;
// the counts of the dispatchers that moved, after every step.
func CheckI15NoWastedWork(c *cluster.Cluster, st *CheckState) error {
	if st.work.err != nil {
		return st.work.err
	}
	if st.msgs.err != nil {
		return st.msgs.err
	}
	if len(st.work.dirty) == 0 {
		return nil
	}
	var disruptions uint64
	if st.work.disruptions != nil {
		disruptions = st.work.disruptions()
	}
	b := st.limits.Work
	for _, id := range st.work.dirty {
		w := &st.of(id).work
		w.dirty = false
		if m := max(w.registers, w.resets, w.subscriptions); m > st.work.peak {
			st.work.peak, st.work.peakDisruptions = m, disruptions
		}
		if st.work.disruptions == nil {
			continue
		}
		for _, k := range []struct {
			what      string
			got, base int
		}{{"REGISTERs", w.registers, b.Registers}, {"RESETs", w.resets, b.Resets}, {"subscriptions", w.subscriptions, b.Subscriptions}} {
			if lim := b.limit(k.base, disruptions, st.now().Sub(w.born)); k.got > lim {
				st.work.dirty = st.work.dirty[:0]
				return fmt.Errorf("dispatcher %s: %d %s, over its budget of %d after %d disruptions (%+v)", id, k.got, k.what, lim, disruptions, b)
			}
		}
	}
	st.work.dirty = st.work.dirty[:0]
	return nil
}
