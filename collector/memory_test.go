package collector

import (
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// PROTOCOL.md 2.5, 3.6, 3.4 step 6: once the area's pending size is at
// least 1.5x its quota (100 B here), every droppable event arriving for it
// (DML, DDL, sync point, batch DML) is replaced by a DropEvent carrying
// its epoch and seq, while resolved events and handshakes are kept. No
// path is released: d2, the ballast holding the area over the limit, and
// d1 each hold less than 256 B. When d1's sink frees the path, the first
// drop of the current epoch resets it (T7): RESET(L) at epoch 2 from cp;
// the later drops, now of a stale epoch, are ignored, and the new epoch's
// handshake opens epoch 2. None of it reaches the sink.
func TestDroppableEventsBecomeDropEventsAtOneAndAHalfTimesTheQuota(t *testing.T) {
	var q1, q2 []string
	var st Stats
	d1, d2 := newTarget(1, 0), newTarget(2, 0)
	h := run(t, options{}, func(h *harness) {
		h.onLocal(d1, 100)
		h.onLocal(d2, 100)
		d1.block, d2.block = true, true
		h.events(L, dml(1, 1, 2), dml(2, 1, 2))
		h.settle()
		h.events(L, dml(2, 1, 3), dml(2, 1, 4), dml(2, 1, 5)) // 192 B >= 150 B
		h.settle()
		// Five events of 48 B each once dropped: d1's queue stays under the
		// 256 B floor of memory release, so the release the crossing
		// requests finds no victim and only drops show.
		h.events(L, dml(1, 1, 3), ddl(1, 1, 4), syncPoint(1, 1, 5),
			&wire.BatchDMLEvent{DispatcherID: 1, DMLs: []wire.DMLEvent{*dml(1, 1, 6), *dml(1, 1, 7)}},
			&wire.HandshakeEvent{DispatcherID: 1, Epoch: 2, Seq: 1, ResolvedTs: 150})
		h.settle()
		q1, q2, st = h.queued(1), h.queued(2), h.c.Stats()
		d1.cp, d1.block = 150, false
		d1.wake()
		h.settle()
	})
	require.Equal(t, []string{"Drop3/e1", "Drop4/e1", "Drop5/e1", "Drop6/e1", "HS/e2"}, q1)
	require.Equal(t, []string{"DML3", "DML4", "DML5"}, q2, "events that arrived below the limit are kept")
	require.EqualValues(t, 4, st.EventsDropped)
	require.EqualValues(t, 0, st.PathsReleased)

	reqs := h.requests(L)
	require.Equal(t, "RESET d1 epoch=2 startTs=150", reqs[len(reqs)-1])
	require.Len(t, received[*wire.DispatcherRequest](h, L), 2*2+1, "REGISTER and RESET per dispatcher, and one RESET for the drops")
	s := h.snapshot(1)
	require.EqualValues(t, 2, s.Epoch)
	require.EqualValues(t, 1, s.LastEventSeq, "epoch 2's handshake was accepted")
	require.Equal(t, "DML2", d1.handled(), "drops never reach the sink")
}

// PROTOCOL.md 2.5, 3.6, 7: at the same 1.5x threshold (quota 200 B) the
// event path posts release feedback, and the processDSFeedback task
// discards the whole queue of every blocked path holding at least 256 B,
// Ready and Handshake included, without telling the handler. The release
// is asynchronous, as in TiCDC: the event that crossed the threshold is
// replaced by a DropEvent and queued first, then released with the rest.
// At most once per ReleaseInterval: a second crossing at once only drops,
// the next one after the interval releases again. d3, blocked with 64 B,
// is never a victim. The release shows in CongestionControl's
// MemoryReleaseCount and, when the path moves again, as a seq gap that
// resets the epoch (T7).
func TestMemoryReleaseDiscardsBlockedPathsAtMostOncePerInterval(t *testing.T) {
	var before, afterFirst, afterSkip, afterSecond, afterGap, d3q []string
	var stFirst, stSkip, stSecond Stats
	d1, d3 := newTarget(1, 0), newTarget(3, 0)
	h := run(t, options{}, func(h *harness) {
		h.onLocal(d1, 200)
		h.onLocal(d3, 200)
		d1.block, d3.block = true, true
		h.events(L, dml(1, 1, 2), dml(3, 1, 2))
		h.settle()
		// d1's and d3's events travel different receive channels, so each
		// dispatcher's batch is sent and settled on its own.
		h.events(L, dml(3, 1, 3))
		h.settle()
		h.events(L, &wire.ReadyEvent{DispatcherID: 1}, &wire.HandshakeEvent{DispatcherID: 1, Epoch: 1, Seq: 1, ResolvedTs: startTs},
			bigDML(1, 1, 3, 6))
		h.settle()
		before = h.queued(1)
		h.events(L, bigDML(1, 1, 4, 6)) // over: dropped, then the release
		h.settle()
		afterFirst, stFirst = h.queued(1), h.c.Stats()
		h.events(L, bigDML(1, 1, 5, 6), bigDML(1, 1, 6, 6)) // over again at once: drop only
		h.settle()
		afterSkip, stSkip = h.queued(1), h.c.Stats()
		h.w.Sleep(h.cfg.ReleaseInterval)
		h.events(L, resolved(1, 1, 6, 600)) // over again, after the interval: released
		h.settle()
		afterSecond, stSecond, d3q = h.queued(1), h.c.Stats(), h.queued(3)
		h.events(L, resolved(1, 1, 6, 700))
		h.settle()
		afterGap = h.queued(1)
		d1.block = false
		d1.wake()
		h.sleepUntil(h.w.Now().Duration() + 1100*time.Millisecond) // a congestion tick
	})
	require.Equal(t, []string{"Ready", "HS/e1", "DML3"}, before)
	require.Empty(t, afterFirst)
	require.EqualValues(t, 1, stFirst.PathsReleased)
	require.EqualValues(t, 4, stFirst.EventsReleased, "Ready, HS, DML3 and the DropEvent queued behind them")
	require.EqualValues(t, 1, stFirst.EventsDropped)

	require.Equal(t, []string{"DML5", "Drop6/e1"}, afterSkip)
	require.EqualValues(t, 1, stSkip.PathsReleased, "no second release within the interval")
	require.EqualValues(t, 2, stSkip.EventsDropped)

	require.Empty(t, afterSecond)
	require.EqualValues(t, 2, stSecond.PathsReleased)
	require.EqualValues(t, 4+3, stSecond.EventsReleased)
	require.Equal(t, []string{"DML3"}, d3q, "a blocked path under 256 B is not released")
	require.Equal(t, []string{"R6@700"}, afterGap)

	require.Equal(t, "DML2", d1.handled(), "released events never reach the sink")
	reqs := h.requests(L)
	require.Equal(t, "RESET d1 epoch=2 startTs=100", reqs[len(reqs)-1], "the resolved event's seq 6 reveals the gap after seq 2")
	ccs := received[*wire.CongestionControl](h, L)
	require.NotEmpty(t, ccs)
	require.EqualValues(t, 2, ccs[len(ccs)-1].Changefeeds[0].MemoryReleaseCount)
}

// PROTOCOL.md 2.5: over the limit, resolved events and handshakes are
// never replaced by a DropEvent (they are not droppable).
func TestResolvedAndHandshakeAreNotDroppable(t *testing.T) {
	var q1 []string
	var st Stats
	d1, d2 := newTarget(1, 0), newTarget(2, 0)
	run(t, options{}, func(h *harness) {
		h.onLocal(d1, 100)
		h.onLocal(d2, 100)
		d1.block, d2.block = true, true
		h.events(L, dml(1, 1, 2), dml(2, 1, 2))
		h.settle()
		h.events(L, dml(2, 1, 3), dml(2, 1, 4), dml(2, 1, 5)) // 192 B >= 150 B
		h.settle()
		h.events(L, resolved(1, 1, 2, 500), &wire.HandshakeEvent{DispatcherID: 1, Epoch: 2, Seq: 1, ResolvedTs: 150})
		h.settle()
		q1, st = h.queued(1), h.c.Stats()
	})
	require.Equal(t, []string{"R2@500", "HS/e2"}, q1)
	require.Zero(t, st.EventsDropped)
	require.Zero(t, st.PathsReleased, "no blocked path holds 256 B")
}

// PROTOCOL.md 2.5, 7: the stuck-area detector releases an area that keeps
// receiving events, has not shrunk for 5 s and is above 60 % of its quota,
// even below the 1.5x threshold. Here d1 is blocked holding 736 B of a
// 1,000 B quota while resolved events keep arriving (each replacing the
// last, so the area neither grows nor shrinks); after 5 s without
// shrinking the next detector tick releases d1's queue.
func TestStuckAreaIsReleasedAfterFiveSeconds(t *testing.T) {
	var releasedAt []time.Duration
	d1 := newTarget(1, 0)
	run(t, options{}, func(h *harness) {
		h.onLocal(d1, 1000)
		d1.block = true
		h.events(L, dml(1, 1, 2))
		h.settle()
		h.events(L, bigDML(1, 1, 3, 6), bigDML(1, 1, 4, 6), resolved(1, 1, 4, 300)) // 256+256+48 B
		h.events(L, bigDML(1, 1, 5, 2), resolved(1, 1, 5, 310))                     // +128+48 B = 736 B
		h.settle()
		start := h.w.Now().Duration()
		for i := range 20 {
			h.events(L, resolved(1, 1, 5, wire.Ts(400+i)))
			h.w.Sleep(500 * time.Millisecond)
			if st := h.c.Stats(); st.PathsReleased > 0 && len(releasedAt) == 0 {
				releasedAt = append(releasedAt, h.w.Now().Duration()-start)
			}
		}
	})
	require.Len(t, releasedAt, 1, "the stuck area was never released")
	require.GreaterOrEqual(t, releasedAt[0], 4*time.Second)
	require.LessOrEqual(t, releasedAt[0], 7*time.Second)
}

// TiCDC's dynstream deletes a changefeed's memory area with its last path
// (utils/dynstream/memory_control.go, removePathFromArea): once d1, the
// changefeed's only dispatcher, is removed after a memory release, the
// area is gone, and d2 added to the same changefeed later starts from a
// fresh one, so the next congestion-control message reports no release
// for the changefeed, and d2's quota (not d1's) is the area's.
func TestAreaIsDeletedWithItsLastDispatcher(t *testing.T) {
	var released Stats
	var areasAfterRemove int
	var quota uint64
	d1, d2 := newTarget(1, 0), newTarget(2, 0)
	h := run(t, options{}, func(h *harness) {
		h.onLocal(d1, 200)
		d1.block = true
		h.events(L, dml(1, 1, 2))
		h.settle()
		h.events(L, bigDML(1, 1, 3, 6), bigDML(1, 1, 4, 6)) // 512 B queued behind the blocked sink
		h.settle()
		h.events(L, bigDML(1, 1, 5, 6)) // over 1.5x: dropped, then released
		h.settle()
		released = h.c.Stats()
		h.c.RemoveDispatcher(1)
		h.settle()
		h.c.mu.Lock()
		areasAfterRemove = len(h.c.areas)
		h.c.mu.Unlock()
		h.onLocal(d2, 500)
		h.c.mu.Lock()
		quota = h.c.areas[cf].quota
		h.c.mu.Unlock()
		h.sleepUntil(h.w.Now().Duration() + 1100*time.Millisecond) // a congestion tick
	})
	require.EqualValues(t, 1, released.PathsReleased, "d1's area had a release")
	require.Zero(t, areasAfterRemove, "the area went with its last dispatcher")
	require.EqualValues(t, 500, quota, "the new area has d2's quota")
	ccs := received[*wire.CongestionControl](h, L)
	require.NotEmpty(t, ccs)
	last := ccs[len(ccs)-1]
	require.Len(t, last.Changefeeds, 1)
	require.Len(t, last.Changefeeds[0].Dispatchers, 1)
	require.EqualValues(t, 2, last.Changefeeds[0].Dispatchers[0].DispatcherID)
	require.Zero(t, last.Changefeeds[0].MemoryReleaseCount, "a fresh area has no release")
}

// TiCDC utils/dynstream/memory_control_test.go, TestReleaseMemory (its
// first case): the release goes through the paths most recently handled
// first (by the timestamp of the events they last handled) and stops
// once 60 % of the area's pending size is released. Of three blocked
// paths of 400, 300 and 300 bytes last handled at 300, 200 and 100, the
// first two are released (700 >= 600) and the oldest is kept. The same
// sizes in the other order of timestamps release the other two, so the
// choice is by timestamp, not by size.
func TestMemoryReleaseGoesByLastHandledTimestamp(t *testing.T) {
	choose := func(ts ...wire.Ts) []wire.DispatcherID {
		c := &EventCollector{rt: clock.NewReal(), cfg: Config{ReleaseInterval: time.Second}}
		a := &area{pending: 1000}
		for i, size := range []uint64{400, 300, 300} {
			a.paths = append(a.paths, &path{id: wire.DispatcherID(i + 1), area: a, blocked: true, pending: size, handledTs: ts[i]})
		}
		var ids []wire.DispatcherID
		for _, p := range c.chooseRelease(a) {
			ids = append(ids, p.id)
		}
		return ids
	}
	require.Equal(t, []wire.DispatcherID{1, 2}, choose(300, 200, 100))
	require.Equal(t, []wire.DispatcherID{3, 2}, choose(100, 200, 300))
	require.Equal(t, []wire.DispatcherID{1, 2}, choose(100, 100, 100), "ties go by dispatcher ID")
}
