package eventservice_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/eventservice"
	"github.com/cdcsim/cdcsim/internal/tiassert"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/stretchr/testify/require"
)

// docs/ticdc-assertions.md, event store GetIterator: a RESET whose start
// ts lies below the subscription's checkpoint asks the event store for
// data it may already have GCed. TiCDC panics; so does the model, on the
// scan the RESET requests. The dispatcher registers at 1000 (the
// subscription's checkpoint), then is reset to epoch 1 at 500 with a DML
// at 600 in range.
func TestResetBelowSubscriptionCheckpointFailsTheRunAsTiCDCDoes(t *testing.T) {
	_, res := runResult(newSetup(1), func(e *env) {
		e.up.add(1, dml(600))
		e.w.Sleep(1500 * time.Millisecond) // the upstream resolves past 1000
		e.activate(1, span1, 1000, 500)
	})
	require.NotNil(t, res.Failure, "the scan below the checkpoint must fail the run")
	require.Equal(t, sim.KindPanic, res.Failure.Kind)
	require.True(t, strings.HasPrefix(res.Failure.Message, tiassert.Prefix+"event store: scan start ts below subscription checkpoint"),
		res.Failure.Message)
	require.Contains(t, res.Failure.Message, "scan (500, ")
}

// TiCDC's broker knows three kinds of scanned event and panics on any
// other (event_broker.go doScan); the model's scan turns upstream changes
// into events, so a change of an unknown kind is the same state.
func TestScanOfUnknownChangeKindFailsTheRunAsTiCDCDoes(t *testing.T) {
	_, res := runResult(newSetup(1), func(e *env) {
		e.up.add(1, eventservice.Change{Kind: 99, CommitTs: 600})
		e.activate(1, span1, 1, 1)
		e.w.Sleep(time.Second)
	})
	require.NotNil(t, res.Failure)
	require.Equal(t, sim.KindPanic, res.Failure.Kind)
	require.True(t, strings.HasPrefix(res.Failure.Message, tiassert.Prefix+"unknown event type (pkg/eventservice/event_broker.go:doScan)"),
		res.Failure.Message)
}
