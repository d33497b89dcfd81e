package collector

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// busyWorkload exercises every task of the collector on a lossy network
// whose sends fail at random (congested or not ready): adds on L and on
// remotes, a coordinator round trip, heartbeats, congestion control, a
// Removed response, data, a reset and removals.
func busyWorkload(h *harness) {
	h.broadcastCoordinator()
	for id := wire.DispatcherID(1); id <= 6; id++ {
		tg := newTarget(id, int64(id%3))
		switch id % 3 {
		case 0:
			h.onLocal(tg, 4096)
		case 1:
			h.onRemote(tg, 4096, S2)
		default:
			h.onRemote(tg, 4096, S3)
		}
		h.events(L, dml(id, 1, 2), resolved(id, 1, 2, 400))
	}
	h.sleepUntil(12 * time.Second)
	h.removed(S2, 1, 4)
	h.events(L, dml(3, 1, 9)) // a gap: RESET
	h.sleepUntil(15 * time.Second)
	h.c.RemoveDispatcher(2)
	h.c.RemoveDispatcher(3)
	h.sleepUntil(25 * time.Second)
}

// render is the run's outgoing traffic, one line per send attempt.
func (h *harness) render() string {
	var b strings.Builder
	for _, s := range h.sends {
		fmt.Fprintf(&b, "%s %s %v err=%v\n", s.At, s.To, s.Msg, s.Err)
	}
	return b.String()
}

// STYLE.md 9, PROTOCOL.md 8: the same seed gives the same run, down to
// every send attempt, its time and its outcome; a different seed gives a
// different one (the network's failures and latencies are the seed's).
func TestSameSeedSameRequests(t *testing.T) {
	lossy := func(seed uint64) options {
		return options{seed: seed, simConfig: func(c *sim.Config) { c.Net.CongestedP, c.Net.NotReadyP = 0.2, 0.2 }}
	}
	var logs []string
	var hashes []uint64
	for _, seed := range []uint64{7, 7, 8} {
		h, res := scenario(lossy(seed), busyWorkload)
		requirePassed(t, res)
		logs, hashes = append(logs, h.render()), append(hashes, res.Hash)
		require.NotZero(t, h.c.Stats().RequestRetries, "seed %d: the network failed no send; the test proves nothing", seed)
	}
	require.Equal(t, logs[0], logs[1], "seed 7 twice")
	require.Equal(t, hashes[0], hashes[1], "seed 7 twice")
	require.NotEqual(t, logs[0], logs[2], "seeds 7 and 8")
	require.NotEqual(t, hashes[0], hashes[2], "seeds 7 and 8")
}

// PROTOCOL.md 1.5: a dispatcher is in dispatcherMap once; adding it again
// is a caller bug and panics.
func TestPrepareAddDispatcherTwicePanics(t *testing.T) {
	_, res := scenario(options{}, func(h *harness) {
		h.c.PrepareAddDispatcher(newTarget(1, 1), 1<<20, nil)
		h.settle()
		h.c.PrepareAddDispatcher(newTarget(1, 1), 1<<20, nil)
	})
	require.NotNil(t, res.Failure, "the second add passed")
	require.Equal(t, sim.KindPanic, res.Failure.Kind, res.Failure.Report())
	require.Contains(t, res.Failure.Message, "dispatcher d1 added twice")
}

// PROTOCOL.md 4.1, 4.3: the heartbeat and congestion-control loops read
// each session under its connState lock, a scheduling point, so the
// dispatcher manager's RemoveDispatcher can run in the middle of a round
// and delete dispatchers the round has yet to visit. The loops must skip
// them, not fail. Removals land exactly on the 1 s and 10 s ticks, over
// many seeds, so the scheduler interleaves them with the rounds.
func TestLoopsSurviveRemovalsInTheMiddleOfARound(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		_, res := scenario(options{seed: seed}, func(h *harness) {
			const n = 12
			for id := wire.DispatcherID(1); id <= n; id++ {
				h.c.AddDispatcher(newTarget(id, 0), 1<<20)
				h.events(L, &wire.ReadyEvent{DispatcherID: id})
			}
			// Highest IDs first: the rounds visit them last.
			next := wire.DispatcherID(n)
			for _, at := range []time.Duration{2 * time.Second, 3 * time.Second, 10 * time.Second, 20 * time.Second} {
				h.sleepUntil(at)
				for range 3 {
					h.c.RemoveDispatcher(next)
					next--
				}
			}
			h.sleepUntil(21 * time.Second)
		})
		requirePassed(t, res)
	}
}

// PROTOCOL.md 1.9, 3.1 T3 and T6: the two-phase add of a merge. L's Ready
// makes L current and invokes the ready callback instead of resetting;
// the RESET(L) at epoch 1 comes only with CommitAddDispatcher, from the
// checkpoint at commit time. PrepareAddDispatcher alone asks the
// coordinator nothing.
func TestTwoPhaseAddResetsOnlyAtCommit(t *testing.T) {
	var calledAtReady bool
	var requestsAtReady []string
	var ready sessionView
	called := false
	tg := newTarget(1, 4)
	h := run(t, options{}, func(h *harness) {
		h.broadcastCoordinator()
		h.settle()
		h.c.PrepareAddDispatcher(tg, 1<<20, func() { called = true })
		h.settle()
		h.events(L, &wire.ReadyEvent{DispatcherID: 1})
		h.settle()
		calledAtReady, requestsAtReady, ready = called, h.requests(L), h.snapshot(1)
		tg.startTs, tg.cp = 120, 120
		h.c.CommitAddDispatcher(1)
		h.settle()
	})
	require.True(t, calledAtReady)
	require.Equal(t, []string{"REGISTER d1 onlyReuse=false startTs=100"}, requestsAtReady, "no RESET before the commit")
	require.Equal(t, "TwoPhaseReady", ready.State)
	require.Equal(t, []string{"REGISTER d1 onlyReuse=false startTs=100", "RESET d1 epoch=1 startTs=120"}, h.requests(L))
	require.Empty(t, received[*wire.ReusableEventServiceRequest](h, CO))
}
