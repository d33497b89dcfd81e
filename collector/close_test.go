package collector

import (
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// A graceful shutdown removes every dispatcher, which queues its REMOVE,
// then closes the collector (TiCDC server.Close: the dispatcher
// orchestrator's Close, then EventCollector.Close). A REMOVE the send
// task had not reached is never sent, so the remote service keeps the
// record (its inactivity sweep is what removes it); and the closed
// collector sends nothing more, heartbeats included.
func TestCloseDropsQueuedRemovesAndStopsHeartbeats(t *testing.T) {
	tg := newTarget(1, 1)
	var closedAt time.Duration
	h := run(t, options{}, func(h *harness) {
		h.broadcastCoordinator()
		h.onRemote(tg, 1<<20, S2)
		h.c.RemoveDispatcher(tg.id)
		h.c.Close() // no scheduling point since the removal
		closedAt = h.w.Now().Duration()
		h.c.Close() // closing twice does nothing
		h.w.Sleep(30 * time.Second)
		// Events and responses that still arrive reach no dispatcher and
		// break nothing.
		h.events(S2, resolved(tg.id, 1, 2, 500))
		h.removed(S2, tg.id)
		h.settle()
	})
	require.True(t, h.c.Closed())
	require.NotContains(t, h.requests(S2), "REMOVE d1", "a REMOVE queued at Close went out")
	require.Contains(t, h.requests(S2), "RESET d1 epoch=1 startTs=100")
	for _, d := range h.recv {
		_, hb := d.Msg.(*wire.DispatcherHeartbeat)
		require.False(t, hb && d.At.Duration() > closedAt+settle, "heartbeat to %s at %v after Close at %v", d.To, d.At, closedAt)
	}
}

// A receive channel that is full at Close, with the event router blocked
// on it, wakes the router: the send fails and the event is dropped, as
// the channel's contents are, and nothing is handed to a dispatcher
// (TiCDC's EventCollector.Close cancels the goroutines that drain the
// channels; the message-center handler blocked on one returns when its
// context is cancelled).
func TestCloseWakesARouterBlockedOnAFullReceiveChannel(t *testing.T) {
	res := sim.Run(sim.DefaultConfig(1), func(w *sim.World) {
		ep := w.Network().Attach(L, wire.StreamCommand, wire.StreamEvent)
		cfg := DefaultConfig(w, L, ep)
		cfg.ReceiveChannels, cfg.ReceiveChannelSize = 1, 2
		c := New(cfg) // not Run: nothing drains the receive channel
		ch := c.recv[0]
		for ch.TrySend(item{from: S2, ev: resolved(1, 1, 1, 100)}) {
		}
		sent := make(chan bool, 1)
		w.Go("router", func() { sent <- ch.Send(item{from: S2, ev: resolved(1, 1, 2, 200)}) })
		w.Sleep(time.Second)
		if len(sent) != 0 {
			panic("the router's send did not block on the full channel")
		}
		c.Close()
		w.Sleep(time.Second)
		if len(sent) != 1 || <-sent {
			panic("Close left the router blocked, or its event was queued")
		}
	})
	require.Nil(t, res.Failure)
}
