package eventservice_test

// TiCDC's cases of pkg/eventservice/event_broker_test.go at b813e76f9
// about what REMOVE and RESET do to a scan under way and to the state it
// held, re-expressed against the model's slow read (fault.ScanReadSlow)
// and cleanup retry queue (active_scan.go). Each runs TiCDC's two
// lifecycle actions as subtests, as TiCDC's does.

import (
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/fault"
	"github.com/stretchr/testify/require"
)

// lifecycle runs TiCDC's action ("reset" or "remove") on dispatcher 1
// right after its RESET's scan began a slow read.
func lifecycle(e *env, action string) {
	e.activate(1, span1, 0, 0)
	if action == "reset" {
		e.col.reset(server, 1, span1, 2, 0)
		return
	}
	e.col.remove(server, 1, span1)
}

// TiCDC: pkg/eventservice/event_broker_test.go
// TestDispatcherLifecycleCancelsActiveScanBeforeCleanup.
//
// A RESET or REMOVE while the record's scan reads cancels the scan: the
// epoch-1 DML it read never goes out, and its state is freed (no cleanup
// left pending).
func TestTiCDCDispatcherLifecycleCancelsActiveScanBeforeCleanup(t *testing.T) {
	for _, action := range []string{"reset", "remove"} {
		t.Run(action, func(t *testing.T) {
			var cancelled uint64
			var pending int
			e := run(t, slowReadSetup(true), func(e *env) {
				lifecycle(e, action)
				e.w.Sleep(5 * time.Second)
				cancelled, pending = e.w.Covered("eventservice/scan/cancelled"), len(e.svc.PendingCleanups())
			})
			require.GreaterOrEqual(t, cancelled, uint64(1))
			require.Zero(t, pending)
			for _, ev := range of(e.col.flatten(), 1, "DML") {
				require.NotEqual(t, uint64(1), ev.epoch, "the cancelled epoch-1 scan sent %v", ev)
			}
		})
	}
}

// TiCDC: pkg/eventservice/event_broker_test.go
// TestDispatcherLifecycleRetriesFailedLargeTxnCleanup.
//
// When the cleanup after a RESET or REMOVE fails, the old record waits in
// the retry queue; once the cleanup can succeed (the fault healed), the
// retry frees it and the queue is empty.
func TestTiCDCDispatcherLifecycleRetriesFailedLargeTxnCleanup(t *testing.T) {
	for _, action := range []string{"reset", "remove"} {
		t.Run(action, func(t *testing.T) {
			s := slowReadSetup(true)
			s.sim.PinSite(fault.CleanupFails, 1)
			var queued, drained int
			run(t, s, func(e *env) {
				lifecycle(e, action)
				e.w.Sleep(time.Second)
				queued = len(e.svc.PendingCleanups())
				e.w.Heal()
				e.w.Sleep(11 * time.Second)
				drained = len(e.svc.PendingCleanups())
			})
			require.GreaterOrEqual(t, queued, 1, "the failed cleanup is queued")
			require.Zero(t, drained, "the retry freed it")
		})
	}
}
