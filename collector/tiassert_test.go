package collector

import (
	"testing"

	"github.com/cdcsim/cdcsim/internal/tiassert"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// TiCDC's EventsHandler.Handle takes Ready and NotReusable one at a time
// (they are non-batchable) and panics on a batch of them
// (docs/ticdc-assertions.md). takeBatch never builds one, so the handler
// is handed such a batch directly.
func TestSignalBatchOfTwoPanicsAsTiCDCDoes(t *testing.T) {
	ds := &dynStream{c: &EventCollector{cfg: Config{Node: "n1"}}}
	p := &path{id: 5}
	ready := &wire.ReadyEvent{DispatcherID: 5}
	batch := []item{{from: "n2", ev: ready}, {from: "n2", ev: ready}}
	require.PanicsWithValue(t, tiassert.Prefix+"unexpected multiple events for TypeReadyEvent or TypeNotReusableEvent "+
		"(downstreamadapter/eventcollector/helper.go:EventsHandler.Handle): node n1, dispatcher d5, 2 events led by "+ready.String()+" from n2",
		func() { ds.handle(p, batch) })
}
