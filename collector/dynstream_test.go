package collector

import (
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// queued renders a dispatcher's queued events (dynstream internals).
func (h *harness) queued(id wire.DispatcherID) []string {
	out := []string{}
	for _, it := range h.c.dispatcherMap[id].path.queue {
		out = append(out, short(it.ev))
	}
	return out
}

// pathOf returns a dispatcher's path (dynstream internals).
func (h *harness) pathOf(id wire.DispatcherID) *path { return h.c.dispatcherMap[id].path }

// PROTOCOL.md 3.4, 2.5: one dispatcher's events reach its sink in order.
// DML, batch DML and resolved events are batched together, at most
// BatchSize queue entries at a time; DDL and sync point come alone. A
// path whose sink returned block gets nothing more, however long, until
// the sink calls wake; then the queue drains.
func TestEventsAreBatchedByTypeInOrderAndBlockedUntilWake(t *testing.T) {
	var whileBlocked string
	var blockedFlag bool
	h := run(t, options{config: func(c *Config) { c.BatchSize = 4 }}, func(h *harness) {
		d := newTarget(1, 0)
		h.onLocal(d, 1<<20)
		d.block = true
		h.events(L, dml(1, 1, 2))
		h.settle()
		h.events(L, dml(1, 1, 3), dml(1, 1, 4), dml(1, 1, 5), dml(1, 1, 6), dml(1, 1, 7), dml(1, 1, 8), dml(1, 1, 9), dml(1, 1, 10),
			resolved(1, 1, 10, 300), ddl(1, 1, 11), syncPoint(1, 1, 12), dml(1, 1, 13), dml(1, 1, 14),
			&wire.BatchDMLEvent{DispatcherID: 1, DMLs: []wire.DMLEvent{*dml(1, 1, 15), *dml(1, 1, 16)}},
			resolved(1, 1, 16, 400))
		h.w.Sleep(time.Minute)
		whileBlocked, blockedFlag = d.handled(), h.pathOf(1).blocked
		d.block = false
		d.wake()
		h.settle()
	})
	require.Equal(t, "DML2", whileBlocked, "nothing after the blocking batch until wake")
	require.True(t, blockedFlag)
	tg := h.c.dispatcherMap[1].target.(*fakeTarget)
	require.Equal(t, "DML2 | DML3 DML4 DML5 DML6 | DML7 DML8 DML9 DML10 | R10@300 | DDL11 | SP12 | DML13 DML14 DML15 DML16 R16@400", tg.handled())
	require.Empty(t, h.queued(1))
	require.Zero(t, h.pathOf(1).area.pending)
}

// PROTOCOL.md 2.5 (a sink may flush before Handle returns), dynstream.go
// path.serving/woken: a wake that comes while HandleEvents is still
// running is remembered, so the block it answers does not hold the path.
// Without that, d1 would stop after its first DML for good.
func TestWakeBeforeHandleEventsReturnsIsNotLost(t *testing.T) {
	var blocked bool
	h := run(t, options{}, func(h *harness) {
		d := newTarget(1, 0)
		h.onLocal(d, 1<<20)
		d.block, d.wakeInside = true, true
		h.events(L, dml(1, 1, 2))
		h.settle()
		h.events(L, dml(1, 1, 3))
		h.settle()
		h.events(L, ddl(1, 1, 4), dml(1, 1, 5))
		h.settle()
		blocked = h.pathOf(1).blocked
	})
	require.Equal(t, "DML2 | DML3 | DDL4 | DML5", h.c.dispatcherMap[1].target.(*fakeTarget).handled())
	require.False(t, blocked)
}

// PROTOCOL.md 2.5: a resolved event arriving behind a queued resolved
// event replaces it (a periodic signal), whatever its epoch, and the
// area's pending size does not grow. One behind a data event is appended.
func TestResolvedEventReplacesTheQueuedResolvedEvent(t *testing.T) {
	var queued []string
	var pending uint64
	h := run(t, options{}, func(h *harness) {
		d := newTarget(1, 0)
		h.onLocal(d, 1<<20)
		d.block = true
		h.events(L, dml(1, 1, 2))
		h.settle()
		h.events(L, resolved(1, 1, 2, 300), resolved(1, 1, 2, 400))
		h.events(L, dml(1, 1, 3), resolved(1, 1, 3, 500), resolved(1, 1, 3, 600), resolved(1, 2, 3, 700))
		h.settle()
		queued, pending = h.queued(1), h.pathOf(1).area.pending
		d.block = false
		d.wake()
		h.settle()
	})
	require.Equal(t, []string{"R2@400", "DML3", "R3@700"}, queued)
	require.EqualValues(t, 48+64+48, pending)
	// R3@700 is of epoch 2, not current: the data path skips it, so the
	// epoch-1 resolved ts 600 it replaced never arrives (harmless: the
	// next periodic resolved event carries a later one).
	require.Equal(t, "DML2 | R2@400 DML3", h.c.dispatcherMap[1].target.(*fakeTarget).handled())
}

// PROTOCOL.md 3.1 T9, 2.5: RemoveDispatcher sends REMOVE(L), drops the
// dispatcher's queued events (its sink sees none of them, even after
// wake) and frees their memory; events arriving for it later, alone or in
// a resolved batch, are counted as for an unknown dispatcher. Its
// neighbour in the batch is unaffected.
func TestRemoveDispatcherDropsQueuedAndLaterEvents(t *testing.T) {
	var queuedBefore int
	var pendingAfter uint64
	d1 := newTarget(1, 0)
	d2 := newTarget(2, 0)
	h := run(t, options{}, func(h *harness) {
		h.onLocal(d1, 1<<20)
		h.onLocal(d2, 1<<20)
		d1.block = true
		h.events(L, dml(1, 1, 2))
		h.settle()
		h.events(L, dml(1, 1, 3), dml(1, 1, 4), resolved(1, 1, 4, 300))
		h.settle()
		p := h.pathOf(1)
		queuedBefore = len(p.queue)
		h.c.RemoveDispatcher(1)
		pendingAfter = p.area.pending
		d1.wake()
		h.settle()
		h.events(L, dml(1, 1, 5), resolved(1, 1, 5, 400))
		h.send(L, wire.StreamEvent, &wire.BatchResolvedEvent{Events: []wire.ResolvedEvent{*resolved(1, 1, 5, 500), *resolved(2, 1, 1, 500)}})
		h.settle()
	})
	require.Equal(t, 3, queuedBefore)
	require.Zero(t, pendingAfter)
	require.Equal(t, "DML2", d1.handled())
	require.Equal(t, "R1@500", d2.handled())
	require.EqualValues(t, 3, h.c.Stats().UnknownDispatcherEvents)
	require.Equal(t, []wire.DispatcherID{2}, h.c.DispatcherIDs())
	_, ok := h.c.Stat(1)
	require.False(t, ok)
	reqs := h.requests(L)
	require.Equal(t, "REMOVE d1", reqs[len(reqs)-1])
}

// PROTOCOL.md 3.4, 3.1 T3: signal events travel the same path as data,
// so L's Ready for a dispatcher reading from S2 waits behind S2's data
// while the sink holds the path; only after wake does T3 run: REMOVE(S2),
// then RESET(L) at epoch 2.
func TestReadyWaitsBehindDataWhileThePathIsBlocked(t *testing.T) {
	var whileBlocked sessionView
	var s2Before, lBefore int
	d := newTarget(1, 1)
	h := run(t, options{}, func(h *harness) {
		h.onRemote(d, 1<<20, S2)
		d.block = true
		h.events(S2, dml(1, 1, 2))
		h.settle()
		h.events(S2, dml(1, 1, 3))
		h.settle()
		h.events(L, &wire.ReadyEvent{DispatcherID: 1})
		h.w.Sleep(time.Second)
		whileBlocked, s2Before, lBefore = h.snapshot(1), len(h.requests(S2)), len(h.requests(L))
		d.block, d.cp = false, 130
		d.wake()
		h.settle()
	})
	require.Equal(t, "OnRemote", whileBlocked.State, "the Ready waits behind the blocked batch")
	require.Equal(t, S2, whileBlocked.Current)
	require.Equal(t, "DML2 | DML3", d.handled())
	require.Equal(t, []string{"REMOVE d1"}, h.requests(S2)[s2Before:])
	require.Equal(t, []string{"RESET d1 epoch=2 startTs=130"}, h.requests(L)[lBefore:])
	s := h.snapshot(1)
	require.Equal(t, "OnLocal", s.State)
	require.EqualValues(t, 2, s.Epoch)
}

// PROTOCOL.md 3.1 T5' (and the row after it, no candidates left): a
// NotReusable from the probed remote moves the probe to the next candidate;
// from the last one it ends the probe.
func TestNotReusableMovesTheProbeToTheNextCandidate(t *testing.T) {
	var afterFirst, afterSecond sessionView
	h := run(t, options{}, func(h *harness) {
		h.c.AddDispatcher(newTarget(1, 1), 1<<20)
		h.settle()
		h.answer(1, S2, S3)
		h.settle()
		h.events(S2, &wire.NotReusableEvent{DispatcherID: 1})
		h.settle()
		afterFirst = h.snapshot(1)
		h.events(S3, &wire.NotReusableEvent{DispatcherID: 1})
		h.settle()
		afterSecond = h.snapshot(1)
	})
	require.Equal(t, []string{"REGISTER d1 onlyReuse=true startTs=100"}, h.requests(S2))
	require.Equal(t, []string{"REGISTER d1 onlyReuse=true startTs=100"}, h.requests(S3))
	require.Equal(t, S3, afterFirst.Pending)
	require.Empty(t, afterFirst.Candidates)
	require.Equal(t, "WaitLocal", afterSecond.State)
}

// PROTOCOL.md 3.4, 2.5: with many dispatchers sharing the workers, sinks
// that block at random and wake from timers, each dispatcher's sink still
// receives exactly its events, in order, with no gap (no reset), over
// many seeds and schedules.
func TestEachDispatcherSeesItsEventsInOrderUnderInterleaving(t *testing.T) {
	const dispatchers, dmls = 6, 40
	blocks, multi := 0, 0
	for seed := uint64(1); seed <= 10; seed++ {
		var targets []*fakeTarget
		h, res := scenario(options{seed: seed, config: func(c *Config) { c.Workers, c.BatchSize = 3, 5 }}, func(h *harness) {
			r := h.w.Rand("test/sinks")
			for id := wire.DispatcherID(1); id <= dispatchers; id++ {
				tg := newTarget(id, 0)
				tg.onHandle = func() bool {
					if r.IntN(3) != 0 {
						return false
					}
					blocks++
					wake := tg.wake
					h.w.Schedule(time.Duration(1+r.IntN(20))*time.Millisecond, wake)
					return true
				}
				targets = append(targets, tg)
				h.onLocal(tg, 1<<20)
			}
			next := make([]uint64, dispatchers)
			for i := range next {
				next[i] = 2
			}
			for sent := 0; sent < dispatchers*dmls; {
				i := r.IntN(dispatchers)
				if next[i] > dmls+1 {
					continue
				}
				id := wire.DispatcherID(i + 1)
				h.events(L, dml(id, 1, next[i]), resolved(id, 1, next[i], commitTs(next[i])))
				next[i]++
				sent++
				if r.IntN(4) == 0 {
					h.w.Sleep(time.Duration(r.IntN(5)) * time.Millisecond)
				}
			}
			h.w.Sleep(time.Second)
		})
		requirePassed(t, res)
		for _, tg := range targets {
			var seqs []uint64
			for _, b := range tg.batches {
				if len(b) > 2 {
					multi++
				}
				for _, ev := range b {
					if e, ok := ev.(*wire.DMLEvent); ok {
						seqs = append(seqs, e.Seq)
					}
				}
			}
			want := make([]uint64, dmls)
			for i := range want {
				want[i] = uint64(i + 2)
			}
			require.Equal(t, want, seqs, "seed %d: %s", seed, tg.id)
			require.EqualValues(t, 1, h.snapshot(tg.id).Epoch, "seed %d: %s was reset", seed, tg.id)
		}
	}
	require.Positive(t, blocks, "no sink ever blocked: the test proves little")
	require.Positive(t, multi, "no batch of more than one DML and its resolved: the test proves little")
	t.Logf("%d blocks, %d multi-event batches", blocks, multi)
}
