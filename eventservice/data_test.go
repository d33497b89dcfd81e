package eventservice_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/eventservice"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// PROTOCOL.md 3.3, last paragraph: within an epoch the Handshake takes
// seq 1 and each DML, DDL and SyncPoint the next seq, in commitTs order;
// consecutive DMLs go in batches (at most 16 here); the resolved event
// after the scan carries the last seq and the scan's upper bound.
func TestDataEmissionSeqsCommitOrderAndBatches(t *testing.T) {
	e := run(t, newSetup(1), func(e *env) {
		e.up.add(1, dml(1060), dml(1061),
			eventservice.Change{Kind: eventservice.KindDDL, CommitTs: 1062, TableInfoVersion: 2},
			eventservice.Change{Kind: eventservice.KindSyncPoint, CommitTs: 1063})
		for ts := wire.Ts(1064); ts < 1084; ts++ {
			e.up.add(1, dml(ts))
		}
		e.activate(1, span1, 1, 1)
		e.w.Sleep(2 * time.Second)
	})
	events := e.col.flatten()
	checkEpochStream(t, events, 1, 1)
	var shapes []string
	for _, r := range e.col.events {
		switch m := r.msg.(type) {
		case *wire.BatchDMLEvent:
			shapes = append(shapes, "DML*"+strconv.Itoa(len(m.DMLs)))
		case *wire.DDLEvent:
			shapes = append(shapes, "DDL@"+strconv.Itoa(int(m.Seq)))
		case *wire.SyncPointEvent:
			shapes = append(shapes, "SyncPoint@"+strconv.Itoa(int(m.Seq)))
		}
	}
	require.Equal(t, []string{"DML*2", "DDL@4", "SyncPoint@5", "DML*16", "DML*4"}, shapes)
	for _, ev := range of(events, 1, "Resolved") {
		if ev.ts == 1100 {
			require.Equal(t, uint64(25), ev.seq, "the resolved event after the scan carries its last seq")
			return
		}
	}
	t.Fatal("no resolved event at the scan's upper bound 1100")
}

// PROTOCOL.md 2.3 (BatchResolvedEvent): a worker's cached resolved events
// for a collector are flushed before any other message to it. With the
// timed flush pushed out to 10 s, the resolved events of two dispatchers
// pile up in one batch, and the first DML pushes them out just ahead of
// itself, so the collector never sees a resolved seq behind data it has.
func TestResolvedBatchIsFlushedBeforeData(t *testing.T) {
	s := newSetup(1)
	s.service = func(c *eventservice.Config) {
		c.ResolvedFlushInterval = 10 * time.Second
		c.MessageWorkers = 1
	}
	e := run(t, s, func(e *env) {
		e.up.add(1, dml(1500), dml(3500))
		e.activate(1, span1, 1, 1)
		e.activate(2, span2, 1, 1)
		e.w.Sleep(5 * time.Second)
	})
	events := e.col.flatten()
	checkEpochStream(t, events, 1, 1)
	checkEpochStream(t, events, 2, 1)
	first := of(events, 1, "DML")[0]
	prev, ok := e.col.events[first.env-1].msg.(*wire.BatchResolvedEvent)
	require.True(t, ok, "the message before the DML is the flushed resolved batch")
	require.Equal(t, first.at, e.col.events[first.env-1].at, "flushed by the DML, not by the timer")
	var ids []wire.DispatcherID
	for _, r := range prev.Events {
		ids = append(ids, r.DispatcherID)
	}
	require.Contains(t, ids, wire.DispatcherID(1))
	require.Contains(t, ids, wire.DispatcherID(2), "one batch per collector, all dispatchers")
}

// PROTOCOL.md 7: with nothing else to send, a cached resolved event goes
// out 25 ms after it was cached. Scan ticks fall on multiples of 50 ms, so
// with 1 ms of latency each batch arrives 26 ms past a tick.
func TestResolvedBatchIsFlushedWithin25ms(t *testing.T) {
	e := run(t, newSetup(1), func(e *env) {
		e.activate(1, span1, 1, 1)
		e.w.Sleep(3 * time.Second)
	})
	n := 0
	for _, r := range e.col.events {
		if _, ok := r.msg.(*wire.BatchResolvedEvent); ok && r.at.Duration() > time.Second {
			require.Equal(t, 26*time.Millisecond, r.at.Duration()%(50*time.Millisecond), "at %s", r.at)
			n++
		}
	}
	require.Greater(t, n, 30)
}

// failingEndpoint fails the sends fail picks, before they reach the
// network: the synchronous errors of TiCDC's message center.
type failingEndpoint struct {
	network.Endpoint
	fail func(msg any) error
}

func (f *failingEndpoint) Send(to network.NodeID, st network.Stream, msg any) error {
	if err := f.fail(msg); err != nil {
		return &network.SendError{From: f.ID(), To: to, Stream: st, Err: err}
	}
	return f.Endpoint.Send(to, st, msg)
}

// holdsDML reports whether msg is a BatchDMLEvent with a DML at ts.
func holdsDML(msg any, ts wire.Ts) bool {
	b, ok := msg.(*wire.BatchDMLEvent)
	if !ok {
		return false
	}
	for _, d := range b.DMLs {
		if d.CommitTs == ts {
			return true
		}
	}
	return false
}

// PROTOCOL.md 2.5 and 3.3: a send that fails for a reason other than
// congestion drops the message; the seqs after it go on, and the resolved
// event carries the dropped seq, so the collector sees the gap.
func TestDroppedSendLeavesSeqGap(t *testing.T) {
	s := newSetup(1)
	s.endpoint = func(ep network.Endpoint) network.Endpoint {
		return &failingEndpoint{Endpoint: ep, fail: func(msg any) error {
			if holdsDML(msg, 2000) {
				return network.ErrNotReady
			}
			return nil
		}}
	}
	e := run(t, s, func(e *env) {
		e.up.add(1, dml(1000), dml(2000), dml(3000))
		e.activate(1, span1, 1, 1)
		e.w.Sleep(4 * time.Second)
	})
	events := e.col.flatten()
	var seqs []uint64
	for _, ev := range of(events, 1, "DML") {
		seqs = append(seqs, ev.seq)
	}
	require.Equal(t, []uint64{2, 4}, seqs, "seq 3 (commitTs 2000) was dropped")
	for _, ev := range of(events, 1, "Resolved") {
		if ev.ts == 2000 {
			require.Equal(t, uint64(3), ev.seq, "the resolved event reveals the dropped seq")
			return
		}
	}
	t.Fatal("no resolved event at 2000")
}

// PROTOCOL.md 2.5 and 7: a congested send is retried every 10 ms until it
// goes through; nothing is lost.
func TestCongestedSendIsRetried(t *testing.T) {
	s := newSetup(1)
	refusals := 0
	s.endpoint = func(ep network.Endpoint) network.Endpoint {
		return &failingEndpoint{Endpoint: ep, fail: func(msg any) error {
			if holdsDML(msg, 2000) && refusals < 3 {
				refusals++
				return network.ErrCongested
			}
			return nil
		}}
	}
	e := run(t, s, func(e *env) {
		e.up.add(1, dml(1000), dml(2000), dml(3000))
		e.activate(1, span1, 1, 1)
		e.w.Sleep(4 * time.Second)
	})
	events := e.col.flatten()
	checkEpochStream(t, events, 1, 1)
	dmls := of(events, 1, "DML")
	require.Len(t, dmls, 3)
	// Scanned at the 2000 ms tick, refused at 2000, 2010 and 2020 ms,
	// sent at 2030 ms, arrived at 2031 ms.
	require.Equal(t, 2031*time.Millisecond, dmls[1].at.Duration())
}

// PROTOCOL.md 3.3 (CongestionControl row) and 3.6: a range with data is
// not scanned until the collector's changefeed quota is set, nor while
// the dispatcher's quota is below the scan limit; ranges without data
// still advance. While a scan is skipped for quota, the last watermark is
// resent at most once per 2 s.
func TestCongestionControlGatesScans(t *testing.T) {
	var dmlBeforeQuota int
	e := run(t, newSetup(1), func(e *env) {
		e.up.add(1, dml(2000), dml(8000))
		e.activateWith(1, span1, 1, 1, false)
		e.w.Sleep(5*time.Second - e.w.Now().Duration())
		dmlBeforeQuota = e.count(1, "DML")
		e.col.quota(server, 1<<30)
		e.w.Sleep(time.Second)
		e.col.quota(server, 1<<30, wire.DispatcherQuota{DispatcherID: 1, Available: 0})
		e.w.Sleep(12*time.Second - e.w.Now().Duration())
		e.col.quota(server, 1<<30, wire.DispatcherQuota{DispatcherID: 1, Available: 1 << 20})
		e.w.Sleep(time.Second)
	})
	require.Zero(t, dmlBeforeQuota, "no scan before the changefeed quota is set")
	events := e.col.flatten()
	checkEpochStream(t, events, 1, 1)
	dmls := of(events, 1, "DML")
	require.Len(t, dmls, 2)
	require.Equal(t, 5051*time.Millisecond, dmls[0].at.Duration(), "scanned at the first tick after the quota arrived")
	require.Greater(t, dmls[1].at.Duration(), 12*time.Second, "held while the dispatcher quota was 0")

	var before2000, at7950 []flat
	for _, ev := range of(events, 1, "Resolved") {
		switch {
		case ev.at.Duration() < 5*time.Second:
			before2000 = append(before2000, ev)
		case ev.ts == 7950:
			at7950 = append(at7950, ev)
		}
	}
	require.Equal(t, wire.Ts(1950), before2000[len(before2000)-1].ts, "ranges without data advanced up to the DML")
	require.Equal(t, 1, countTs(before2000, 1950), "no resend while the quota is unset")
	require.GreaterOrEqual(t, len(at7950), 3, "the watermark is resent while the dispatcher quota blocks the scan")
	for i := 1; i < len(at7950); i++ {
		require.GreaterOrEqual(t, at7950[i].at.Sub(at7950[i-1].at), 2*time.Second)
	}
}

func countTs(events []flat, ts wire.Ts) int {
	n := 0
	for _, ev := range events {
		if ev.ts == ts {
			n++
		}
	}
	return n
}

// PROTOCOL.md 1.8: every 10 s the event store's subscriptions go to the
// log coordinator on the command stream.
func TestStateIsUploadedToTheCoordinator(t *testing.T) {
	s := newSetup(1)
	s.coord = true
	e := run(t, s, func(e *env) {
		e.activate(1, span1, 1, 1)
		e.col.register(server, 2, span2, 5, false)
		e.w.Sleep(25 * time.Second)
	})
	require.Len(t, e.coord, 2)
	for i, r := range e.coord {
		require.Equal(t, time.Duration(i+1)*10*time.Second+latency, r.at.Duration())
		st := r.msg.(*wire.EventStoreState)
		require.Equal(t, server, st.From)
		require.Len(t, st.Subscriptions, 2)
		require.Equal(t, span1, st.Subscriptions[0].Span)
		require.Equal(t, span2, st.Subscriptions[1].Span)
		require.Less(t, st.Subscriptions[0].CheckpointTs, st.Subscriptions[0].ResolvedTs, "initialised")
	}
}
