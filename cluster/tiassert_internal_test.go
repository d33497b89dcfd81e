package cluster

import (
	"strings"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/internal/tiassert"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// TiCDC's dispatcher takes a DDL or a sync point only alone and knows no
// event type beyond DML, DDL, sync point, resolved and handshake
// (basic_dispatcher.go handleEvents, docs/ticdc-assertions.md). The
// collector never hands it anything else, so these tests hand the
// dispatcher such batches directly.
func handTo(t *testing.T, events ...wire.Event) *sim.Result {
	t.Helper()
	return sim.Run(sim.DefaultConfig(1), func(w *sim.World) {
		d := newDispatcher(w, 3, "cf", wire.Span{TableID: 1, EndKey: 100}, "n1", 100, network.Fixed(time.Millisecond))
		d.HandleEvents(events, func() {})
	})
}

func requireTiCDCPanic(t *testing.T, res *sim.Result, msg string) {
	t.Helper()
	require.NotNil(t, res.Failure, "want the panic %q", msg)
	require.Equal(t, sim.KindPanic, res.Failure.Kind)
	require.True(t, strings.HasPrefix(res.Failure.Message, tiassert.Prefix+msg+" ("), res.Failure.Message)
}

func TestDispatcherRejectsBatchedDDLAsTiCDCDoes(t *testing.T) {
	res := handTo(t, &wire.DMLEvent{DispatcherID: 3, Epoch: 1, Seq: 2, CommitTs: 110},
		&wire.DDLEvent{DispatcherID: 3, Epoch: 1, Seq: 3, FinishedTs: 111})
	requireTiCDCPanic(t, res, "ddl event should only be singly handled")
	require.Contains(t, res.Failure.Message, "DDL at 111 in a batch of 2")
}

func TestDispatcherRejectsBatchedSyncPointAsTiCDCDoes(t *testing.T) {
	res := handTo(t, &wire.SyncPointEvent{DispatcherID: 3, Epoch: 1, Seq: 2, CommitTs: 110},
		&wire.ResolvedEvent{DispatcherID: 3, Epoch: 1, Seq: 2, ResolvedTs: 120})
	requireTiCDCPanic(t, res, "sync point event should only be singly handled")
}

// As in TiCDC, the check follows the stale-event filter: a DDL below the
// dispatcher's resolved ts is dropped before anyone asks whether it came
// alone.
func TestDispatcherDropsStaleDDLBeforeTheSingleCheck(t *testing.T) {
	res := handTo(t, &wire.DDLEvent{DispatcherID: 3, Epoch: 1, Seq: 2, FinishedTs: 90},
		&wire.DMLEvent{DispatcherID: 3, Epoch: 1, Seq: 3, CommitTs: 110})
	require.Nil(t, res.Failure)
}

func TestDispatcherRejectsUnknownEventTypeAsTiCDCDoes(t *testing.T) {
	res := handTo(t, &wire.DropEvent{DispatcherID: 3, DroppedEpoch: 1, DroppedSeq: 2, DroppedCommitTs: 110})
	requireTiCDCPanic(t, res, "Unexpected event type")
}

// A handshake is the one type TiCDC's dispatcher tolerates (a warning);
// the model's session never forwards one, so it is the model's own
// assertion, not TiCDC's.
func TestDispatcherHandedAHandshakeIsAModelBug(t *testing.T) {
	res := handTo(t, &wire.HandshakeEvent{DispatcherID: 3, Epoch: 1, Seq: 1, ResolvedTs: 100})
	require.NotNil(t, res.Failure)
	require.True(t, strings.HasPrefix(res.Failure.Message, "cluster: dispatcher handed"), res.Failure.Message)
}
