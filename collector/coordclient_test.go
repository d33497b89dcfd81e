package collector

import (
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

func isCoordRequest(msg any) bool { _, ok := msg.(*wire.ReusableEventServiceRequest); return ok }

// PROTOCOL.md 1.6, 2.4, 7: AddDispatcher of a table dispatcher asks the
// log coordinator for reusable services, but only once the coordinator is
// known: until its broadcast arrives (at 3.5 s) the request is requeued
// with 1 s sleeps, so it goes out at the first check after, 4 s. It
// carries the dispatcher's ID, span and startTs and the asking node. The
// answer's nodes start remote probing (T2): REGISTER(onlyReuse) to the
// first, the rest kept as candidates.
func TestCoordinatorRequestWaitsForTheBroadcastAndTheAnswerStartsProbing(t *testing.T) {
	var probing sessionView
	h := run(t, options{}, func(h *harness) {
		h.c.AddDispatcher(newTarget(1, 7), 1<<20)
		h.sleepUntil(3500 * time.Millisecond)
		h.broadcastCoordinator()
		h.sleepUntil(5 * time.Second)
		h.answer(1, S2, S3)
		h.settle()
		probing = h.snapshot(1)
	})
	require.Equal(t, []time.Duration{4 * time.Second}, h.attempts(CO, isCoordRequest), "one attempt, at the first check after the broadcast")
	reqs := received[*wire.ReusableEventServiceRequest](h, CO)
	require.Equal(t, []*wire.ReusableEventServiceRequest{{From: L, ID: 1, Span: wire.Span{TableID: 7, StartKey: 0, EndKey: 1000}, StartTs: startTs}}, reqs)

	require.Equal(t, []string{"REGISTER d1 onlyReuse=true startTs=100"}, h.requests(S2))
	require.Empty(t, h.requests(S3), "S3 is only a candidate")
	require.Equal(t, "Probing", probing.State)
	require.Equal(t, S2, probing.Pending)
	require.Equal(t, []wire.ServerID{S3}, probing.Candidates)
}

// PROTOCOL.md 1.6, 2.4: answers that start nothing: an empty answer, an
// answer for a dispatcher removed meanwhile, and one for a dispatcher
// never added. The table-trigger dispatcher (TableID 0) never asks.
func TestCoordinatorAnswersThatStartNoProbe(t *testing.T) {
	var d1 sessionView
	h := run(t, options{}, func(h *harness) {
		h.broadcastCoordinator()
		h.settle()
		h.c.AddDispatcher(newTarget(1, 1), 1<<20)
		h.c.AddDispatcher(newTarget(2, 2), 1<<20)
		h.c.AddDispatcher(newTarget(3, 0), 1<<20)
		h.sleepUntil(500 * time.Millisecond)
		h.c.RemoveDispatcher(2)
		h.answer(1)
		h.answer(2, S2)
		h.answer(99, S3)
		h.settle()
		d1 = h.snapshot(1)
	})
	var asked []wire.DispatcherID
	for _, r := range received[*wire.ReusableEventServiceRequest](h, CO) {
		asked = append(asked, r.ID)
	}
	require.Equal(t, []wire.DispatcherID{1, 2}, asked, "the table trigger d3 does not ask")
	require.Equal(t, "WaitLocal", d1.State, "an empty answer starts no probe")
	require.Empty(t, h.requests(S2), "d2 was removed before its answer")
	require.Empty(t, h.requests(S3), "d99 is unknown")
}

// PROTOCOL.md 1.6: with debug.event-service.enable-remote-event-service
// off, the request is still made but its answer starts no probe.
func TestCoordinatorAnswerIgnoredWithRemoteEventServiceDisabled(t *testing.T) {
	var d1 sessionView
	h := run(t, options{config: func(c *Config) { c.EnableRemoteEventService = false }}, func(h *harness) {
		h.broadcastCoordinator()
		h.settle()
		h.c.AddDispatcher(newTarget(1, 1), 1<<20)
		h.settle()
		h.answer(1, S2)
		h.settle()
		d1 = h.snapshot(1)
	})
	require.Len(t, received[*wire.ReusableEventServiceRequest](h, CO), 1)
	require.Empty(t, h.requests(S2))
	require.Equal(t, "WaitLocal", d1.State)
}

// PROTOCOL.md 2.4, 7: once the coordinator is known a request gets 20
// send attempts 100 ms apart and is then silently given up; nothing
// retries it, and the client goes on with the next request.
func TestCoordinatorRequestGivenUpAfterTwentyAttempts(t *testing.T) {
	var d1 sessionView
	h := run(t, options{}, func(h *harness) {
		h.fail = func(to wire.ServerID, msg any) error {
			if to == CO && h.w.Now().Duration() < 10*time.Second {
				return sendErr(to, network.ErrUnreachable)
			}
			return nil
		}
		h.broadcastCoordinator()
		h.settle()
		h.c.AddDispatcher(newTarget(1, 1), 1<<20)
		h.sleepUntil(10 * time.Second)
		h.c.AddDispatcher(newTarget(2, 2), 1<<20)
		h.sleepUntil(11 * time.Second)
		d1 = h.snapshot(1)
	})
	var d1At []time.Duration
	for _, s := range h.sends {
		if r, ok := s.Msg.(*wire.ReusableEventServiceRequest); ok && r.ID == 1 {
			d1At = append(d1At, s.At.Duration())
		}
	}
	require.Len(t, d1At, 20)
	require.Equal(t, repeat(100*time.Millisecond, 19), gaps(d1At))
	var asked []wire.DispatcherID
	for _, r := range received[*wire.ReusableEventServiceRequest](h, CO) {
		asked = append(asked, r.ID)
	}
	require.Equal(t, []wire.DispatcherID{2}, asked, "d1's request is given up, d2's goes through")
	require.Equal(t, "WaitLocal", d1.State)
}
