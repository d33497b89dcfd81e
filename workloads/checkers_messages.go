package workloads

import (
	"fmt"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/wire"
)

// I15's message budgets: what the event services send a dispatcher, as
// the cluster reports each successful send (cluster.ObservedSent). The
// REGISTER, RESET and subscription counts (checkers_work.go) miss work
// that costs messages, not requests: a Ready resent without back-off, a
// scan that cuts its DMLs into many small batches. Both recover and lose
// nothing, so `dst mutate` found their mutants alive (FINDINGS.md,
// "Mutation score").

// MessageBudget bounds the messages one dispatcher may cost (I15).
type MessageBudget struct {
	// Readies and ReadyEvery bound the Readies one service sends a
	// dispatcher after a REGISTER queued to it: Readies, plus one per
	// ReadyEvery since that REGISTER. The service's back-off doubles
	// from its first step to its cap (PROTOCOL.md 3.3 and 7: 1, 2, 4,
	// 8 s, then every 10 s), so a record waiting at epoch 0 for a
	// minute sends about 9; without the doubling, 60. Zero Readies
	// turns the Ready budget off.
	Readies    int
	ReadyEvery time.Duration
	// MaxDMLBatch is the services' DML batch size (eventservice
	// Config.MaxDMLBatch): a scan cuts its run of DMLs only at it, at a
	// DDL or sync point, or at the scan's end. Zero turns the batch
	// rule off.
	MaxDMLBatch int
}

// messageState is the message budgets' run-wide state.
type messageState struct {
	readies map[serviceKey]*readyCount
	batches map[serviceKey]*lastData
	// readyPeak is the highest Ready count over its budget's slope
	// (count - age/ReadyEvery) seen, for measuring.
	readyPeak float64
	err       error
}

// readyCount is one service's Readies to one dispatcher since the last
// REGISTER queued to it.
type readyCount struct {
	n     int
	since clock.Time
}

// lastData is the last data event a service sent a dispatcher: a DML
// batch's size, epoch, last seq and when it went.
type lastData struct {
	batch      bool
	size       int
	epoch, seq uint64
	at         clock.Time
}

// observeRegisterForReady restarts the Ready count of the service a
// REGISTER goes to: its new record starts a new back-off.
func (st *CheckState) observeRegisterForReady(to wire.ServerID, id wire.DispatcherID) {
	if st.now == nil {
		return
	}
	m := &st.msgs
	if m.readies == nil {
		m.readies = map[serviceKey]*readyCount{}
	}
	m.readies[serviceKey{id, to}] = &readyCount{since: st.now()}
}

// observeSent counts what a service sent a dispatcher.
func (st *CheckState) observeSent(o cluster.Observation) {
	if st.now == nil || st.msgs.err != nil {
		return
	}
	switch ev := o.Msg.(type) {
	case *wire.ReadyEvent:
		st.countReady(o.Node, ev.DispatcherID)
	case *wire.BatchDMLEvent:
		st.checkBatch(o.Node, ev)
	case *wire.DDLEvent, *wire.SyncPointEvent, *wire.HandshakeEvent, *wire.ResolvedEvent, *wire.DMLEvent:
		st.lastDataOf(o.Node, o.Dispatcher).batch = false
	case *wire.BatchResolvedEvent:
		for i := range ev.Events {
			st.lastDataOf(o.Node, ev.Events[i].DispatcherID).batch = false
		}
	}
}

func (st *CheckState) countReady(svc wire.ServerID, id wire.DispatcherID) {
	m, b := &st.msgs, st.limits.Messages
	if m.readies == nil {
		m.readies = map[serviceKey]*readyCount{}
	}
	rc := m.readies[serviceKey{id, svc}]
	if rc == nil { // a record whose REGISTER came before the checkers
		rc = &readyCount{since: st.now()}
		m.readies[serviceKey{id, svc}] = rc
	}
	rc.n++
	if b.Readies == 0 || b.ReadyEvery <= 0 {
		return
	}
	age := st.now().Sub(rc.since)
	m.readyPeak = max(m.readyPeak, float64(rc.n)-float64(age)/float64(b.ReadyEvery))
	if lim := b.Readies + int(age/b.ReadyEvery); rc.n > lim {
		m.err = fmt.Errorf("event service %s sent %s %d Readies in the %s since its last REGISTER there, over its budget of %d (%d + 1 per %s): the Ready back-off does not grow",
			svc, id, rc.n, age, lim, b.Readies, b.ReadyEvery)
	}
}

// checkBatch applies the batch rule: a DML batch shorter than
// MaxDMLBatch followed at the same virtual instant, with nothing else of
// the dispatcher's in between, by a batch of the same epoch whose first
// seq is the next one, was cut by one scan without a cause.
func (st *CheckState) checkBatch(svc wire.ServerID, ev *wire.BatchDMLEvent) {
	if len(ev.DMLs) == 0 {
		return
	}
	first, last := ev.DMLs[0], ev.DMLs[len(ev.DMLs)-1]
	ld, now, max := st.lastDataOf(svc, ev.DispatcherID), st.now(), st.limits.Messages.MaxDMLBatch
	if max > 0 && ld.batch && ld.size < max && ld.at == now && ld.epoch == first.Epoch && first.Seq == ld.seq+1 {
		st.msgs.err = fmt.Errorf("event service %s cut %s's DMLs of epoch %d into a batch of %d (up to seq %d) and the next at once, below its batch size %d",
			svc, ev.DispatcherID, first.Epoch, ld.size, ld.seq, max)
	}
	*ld = lastData{batch: true, size: len(ev.DMLs), epoch: last.Epoch, seq: last.Seq, at: now}
}

func (st *CheckState) lastDataOf(svc wire.ServerID, id wire.DispatcherID) *lastData {
	m := &st.msgs
	if m.batches == nil {
		m.batches = map[serviceKey]*lastData{}
	}
	ld := m.batches[serviceKey{id, svc}]
	if ld == nil {
		ld = &lastData{}
		m.batches[serviceKey{id, svc}] = ld
	}
	return ld
}

// ReadyPeak returns the highest Ready count of any service to any
// dispatcher less one per MessageBudget.ReadyEvery of its window: what
// Readies is measured against.
func (st *CheckState) ReadyPeak() float64 { return st.msgs.readyPeak }
