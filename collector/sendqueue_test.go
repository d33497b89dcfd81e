package collector

import (
	"errors"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// sendErr is the error a send fails with synchronously, as the network
// returns it: wrapped, so the collector must use errors.Is.
func sendErr(to wire.ServerID, err error) error {
	return &network.SendError{From: L, To: to, Stream: wire.StreamCommand, Err: err, Detail: "test"}
}

// failFirst fails the first n sends that match with err.
func failFirst(n int, to wire.ServerID, match func(any) bool, err error) func(wire.ServerID, any) error {
	return func(dst wire.ServerID, msg any) error {
		if n > 0 && dst == to && match(msg) {
			n--
			return sendErr(to, err)
		}
		return nil
	}
}

// PROTOCOL.md 2.5, 7: a request to L is not droppable. Twenty failures in
// a row, far beyond the remote quota of 3, and it is still sent again,
// 10 ms after each failure, until it gets through exactly once.
func TestRequestToLocalServiceIsRetriedForeverTenMillisecondsApart(t *testing.T) {
	const failures = 20
	h := run(t, options{}, func(h *harness) {
		h.fail = failFirst(failures, L, isRequest(wire.ActionRegister, 1), network.ErrNotReady)
		h.c.AddDispatcher(newTarget(1, 0), 1<<20)
		h.sleepUntil(time.Second)
	})
	at := h.attempts(L, isRequest(wire.ActionRegister, 1))
	require.Len(t, at, failures+1, "REGISTER(L) attempts")
	require.Equal(t, repeat(10*time.Millisecond, failures), gaps(at), "resend spacing")
	require.Equal(t, []string{"REGISTER d1 onlyReuse=false startTs=100"}, h.requests(L))
	st := h.c.Stats()
	require.EqualValues(t, failures, st.RequestRetries)
	require.EqualValues(t, 0, st.RequestsDropped)
	require.EqualValues(t, 1, st.RequestsSent)
}

// PROTOCOL.md 2.5, 7 (commonMsgRetryQuota): a request to a remote service
// gets three attempts, 10 ms apart, and is then dropped; the session is
// not told (it still waits for the probe). One that fails twice gets
// through on its third attempt.
func TestRequestToRemoteServiceIsDroppedAfterThreeAttempts(t *testing.T) {
	h := run(t, options{}, func(h *harness) {
		alwaysS2 := func(to wire.ServerID, msg any) error {
			if to == S2 {
				return sendErr(to, network.ErrUnreachable)
			}
			return nil
		}
		h.fail = alwaysS2
		h.c.AddDispatcher(newTarget(1, 1), 1<<20)
		h.settle()
		h.answer(1, S2) // T2: REGISTER(S2, onlyReuse)
		h.sleepUntil(time.Second)

		twiceS3 := failFirst(2, S3, isRequest(wire.ActionRegister, 2), network.ErrNotReady)
		h.fail = func(to wire.ServerID, msg any) error {
			if err := alwaysS2(to, msg); err != nil {
				return err
			}
			return twiceS3(to, msg)
		}
		h.c.AddDispatcher(newTarget(2, 2), 1<<20)
		h.settle()
		h.answer(2, S3)
		h.sleepUntil(2 * time.Second)
	})
	at := h.attempts(S2, isRequest(wire.ActionRegister, 1))
	require.Len(t, at, 3, "attempts of REGISTER(S2)")
	require.Equal(t, repeat(10*time.Millisecond, 2), gaps(at))
	require.Empty(t, h.requests(S2), "S2 never got the REGISTER")
	require.Equal(t, S2, h.snapshot(1).Pending, "the session still waits for S2's answer")

	at = h.attempts(S3, isRequest(wire.ActionRegister, 2))
	require.Len(t, at, 3, "attempts of REGISTER(S3)")
	require.Equal(t, []string{"REGISTER d2 onlyReuse=true startTs=100"}, h.requests(S3))

	st := h.c.Stats()
	require.EqualValues(t, 1, st.RequestsDropped)
	require.EqualValues(t, 2+2, st.RequestRetries, "two requeues of each")
}

// PROTOCOL.md 2.5, 3.5: heartbeats are droppable with quota 1, to L as to
// a remote: a heartbeat that fails is dropped at once, never resent; the
// next one goes out at the next 10 s tick.
func TestHeartbeatIsDroppedOnItsFirstFailure(t *testing.T) {
	h := run(t, options{}, func(h *harness) {
		h.onLocal(newTarget(1, 0), 1<<20)
		h.onRemote(newTarget(2, 2), 1<<20, S2)
		h.fail = func(to wire.ServerID, msg any) error {
			if isHeartbeat(msg) && h.w.Now().Duration() < 15*time.Second {
				return sendErr(to, network.ErrNotReady)
			}
			return nil
		}
		h.sleepUntil(25 * time.Second)
	})
	for _, to := range []wire.ServerID{L, S2} {
		require.Equal(t, []time.Duration{10 * time.Second, 20 * time.Second}, h.attempts(to, isHeartbeat), "heartbeat attempts to %s", to)
		require.Len(t, received[*wire.DispatcherHeartbeat](h, to), 1, "heartbeats %s received", to)
	}
	st := h.c.Stats()
	require.EqualValues(t, 2, st.HeartbeatsDropped)
	require.EqualValues(t, 2, st.HeartbeatsSent)
	require.EqualValues(t, 0, st.RequestRetries, "a dropped heartbeat is not requeued")
}

// PROTOCOL.md 2.5, 4.3 race 3: a failed request goes back to the tail of
// the queue, so a request queued after it overtakes it: REGISTER(L) of d1
// fails once and L receives d1's REMOVE before its REGISTER. (d9's
// REGISTER, failing once as "congested", holds the sender for 1 s so that
// both of d1's requests are queued before the REGISTER's first attempt.)
func TestFailedRequestIsRequeuedAtTheTailAndOvertaken(t *testing.T) {
	h := run(t, options{}, func(h *harness) {
		blocker := failFirst(1, L, isRequest(wire.ActionRegister, 9), network.ErrCongested)
		register1 := failFirst(1, L, isRequest(wire.ActionRegister, 1), network.ErrNotReady)
		h.fail = func(to wire.ServerID, msg any) error {
			if err := blocker(to, msg); err != nil {
				return err
			}
			return register1(to, msg)
		}
		h.c.AddDispatcher(newTarget(9, 0), 1<<20)
		h.sleepUntil(100 * time.Millisecond)
		h.c.AddDispatcher(newTarget(1, 0), 1<<20)
		h.c.RemoveDispatcher(1)
		h.sleepUntil(2 * time.Second)
	})
	require.Equal(t, []string{
		"REGISTER d9 onlyReuse=false startTs=100",
		"REMOVE d1",
		"REGISTER d1 onlyReuse=false startTs=100",
	}, h.requests(L))
	require.Equal(t, []time.Duration{0, time.Second}, h.attempts(L, isRequest(wire.ActionRegister, 9)))
	require.Equal(t, []time.Duration{time.Second, time.Second + 10*time.Millisecond}, h.attempts(L, isRequest(wire.ActionRegister, 1)))
	require.Equal(t, []time.Duration{time.Second + 10*time.Millisecond}, h.attempts(L, isRequest(wire.ActionRemove, 1)))
}

// PROTOCOL.md 2.5, 7: after a "congested" failure the sender sleeps 1 s,
// not 10 ms. The error is wrapped (network.SendError), as the network
// returns it.
func TestCongestedSendBacksOffOneSecond(t *testing.T) {
	h := run(t, options{}, func(h *harness) {
		h.fail = failFirst(2, L, isRequest(wire.ActionRegister, 1), network.ErrCongested)
		h.c.AddDispatcher(newTarget(1, 0), 1<<20)
		h.sleepUntil(3 * time.Second)
	})
	require.Equal(t, []time.Duration{0, time.Second, 2 * time.Second}, h.attempts(L, isRequest(wire.ActionRegister, 1)))
	require.Equal(t, []string{"REGISTER d1 onlyReuse=false startTs=100"}, h.requests(L))
	require.EqualValues(t, 2, h.c.Stats().RequestRetries)
}

// PROTOCOL.md 2.5 with the simulated network's own congestion: S2 is
// clogged and its link holds one message (LinkCapacity 1), so the
// REGISTER probing S2 sits in flight and the REMOVE to S2 that follows
// fails with ErrCongested at once: three attempts 1 s apart, then it is
// dropped. REMOVE(L), sent first, is not held up.
func TestLinkAtCapacityIsCongestionAndBacksOffOneSecond(t *testing.T) {
	var removeAt time.Duration
	h := run(t, options{simConfig: func(c *sim.Config) { c.Net.LinkCapacity = 1 }}, func(h *harness) {
		h.w.Network().Clog(S2, time.Minute)
		h.c.AddDispatcher(newTarget(1, 1), 1<<20)
		h.settle()
		h.answer(1, S2) // REGISTER(S2) accepted, then held by the clog
		h.sleepUntil(500 * time.Millisecond)
		removeAt = h.w.Now().Duration()
		h.c.RemoveDispatcher(1) // T9: REMOVE(L), REMOVE(S2)
		h.sleepUntil(5 * time.Second)
	})
	require.Equal(t, []string{"REGISTER d1 onlyReuse=false startTs=100", "REMOVE d1"}, h.requests(L))
	at := h.attempts(S2, isRequest(wire.ActionRemove, 1))
	require.Equal(t, []time.Duration{removeAt, removeAt + time.Second, removeAt + 2*time.Second}, at)
	for _, s := range h.sends {
		if s.To == S2 && isRequest(wire.ActionRemove, 1)(s.Msg) {
			require.True(t, errors.Is(s.Err, network.ErrCongested), "REMOVE(S2) failed with %v", s.Err)
		}
	}
	require.EqualValues(t, 1, h.c.Stats().RequestsDropped)
	require.Empty(t, h.requests(S2), "the clog holds everything to S2")
}
