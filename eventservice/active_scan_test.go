package eventservice_test

import (
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/fault"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// slowReadSetup is a scenario whose every data scan reads slowly
// (fault.ScanReadSlow pinned on), with a DML of table 1 at ts 5, which
// the RESET's scan reads.
func slowReadSetup(slow bool) setup {
	s := newSetup(1)
	if slow {
		s.sim.PinSite(fault.ScanReadSlow, 1)
	}
	s.upstream = func(u *fakeUpstream) { u.add(1, dml(5)) }
	return s
}

// TiCDC's markRemoved cancels a scan under way (pkg/eventservice
// dispatcher_stat.go markRemoved, beginActiveScan; event_broker.go doScan
// stops at isRemoved): a REMOVE that arrives while the RESET's scan reads
// the event store stops it, and the DML it read never goes out. Without
// the slow read the same script delivers the DML before the REMOVE.
func TestRemoveCancelsAScanUnderWay(t *testing.T) {
	for _, slow := range []bool{false, true} {
		var cancelled uint64
		e := run(t, slowReadSetup(slow), func(e *env) {
			e.activate(1, span1, 0, 0)
			e.col.remove(server, 1, span1)
			e.w.Sleep(5 * time.Second)
			cancelled = e.w.Covered("eventservice/scan/cancelled")
		})
		if !slow {
			require.Equal(t, 1, e.count(1, "DML"), "a whole scan sends its DML")
			require.Zero(t, cancelled)
			continue
		}
		require.Zero(t, e.count(1, "DML"), "the cancelled scan sent its DML")
		require.EqualValues(t, 1, cancelled)
	}
}

// The same for a RESET (event_broker.go resetDispatcher marks the old
// record removed before it installs the new one): the epoch-1 scan under
// way is cancelled, and the DML goes out once, in epoch 2, from the new
// record's own scan.
func TestResetCancelsTheOldEpochsScan(t *testing.T) {
	var cancelled uint64
	e := run(t, slowReadSetup(true), func(e *env) {
		e.activate(1, span1, 0, 0)
		e.col.reset(server, 1, span1, 2, 0)
		e.w.Sleep(5 * time.Second)
		cancelled = e.w.Covered("eventservice/scan/cancelled")
	})
	var epochs []uint64
	for _, ev := range of(e.col.flatten(), 1, "DML") {
		epochs = append(epochs, ev.epoch)
	}
	require.Equal(t, []uint64{2}, epochs, "the DML goes out once, in the new epoch")
	require.GreaterOrEqual(t, cancelled, uint64(1))
	checkEpochStream(t, e.col.flatten(), 1, 2)
}

// TiCDC's cleanup retry queue (event_broker.go cleanupLargeTxnState,
// pendingLargeTxnCleanup, runLargeTxnCleanupWorker): the state a
// cancelled scan held cannot be freed (fault.CleanupFails pinned on), so
// the record waits in the queue, retried every 10 s while the fault
// lasts; after the heal the next retry frees it.
func TestFailedCleanupIsRetried(t *testing.T) {
	s := slowReadSetup(true)
	s.sim.PinSite(fault.CleanupFails, 1)
	var queued, stillQueued, drained []wire.DispatcherID
	var retried uint64
	run(t, s, func(e *env) {
		e.activate(1, span1, 0, 0)
		e.col.remove(server, 1, span1)
		e.w.Sleep(time.Second)
		queued = pendingIDs(e)
		e.w.Sleep(25 * time.Second) // two retries, both failing
		stillQueued = pendingIDs(e)
		e.w.Heal()
		e.w.Sleep(11 * time.Second)
		drained, retried = pendingIDs(e), e.w.Covered("eventservice/cleanup/retried")
	})
	require.Equal(t, []wire.DispatcherID{1}, queued, "the failed cleanup is queued")
	require.Equal(t, []wire.DispatcherID{1}, stillQueued, "retries fail while the fault lasts")
	require.Empty(t, drained, "a retry after the heal frees it")
	require.EqualValues(t, 1, retried)
}

func pendingIDs(e *env) []wire.DispatcherID {
	var out []wire.DispatcherID
	for _, r := range e.svc.PendingCleanups() {
		out = append(out, r.Dispatcher)
	}
	return out
}
