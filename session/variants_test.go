package session_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The bug variants show their symptom in a scripted scenario and HEAD
// does not; the patches remove their hazard (PROTOCOL.md 6.1, 6.3).

// seedBudget is how many seeds the two-task F1 searches try.
const seedBudget = 200

// race runs the prelude on the main task, then a and b as two tasks at
// the same instant, so the seeded strategy interleaves them at their
// scheduling points (the lock acquisitions), and waits for both.
func race(t *testing.T, s setup, prelude func(h *harness), a, b func(h *harness)) (*sim.Result, []string) {
	var all []string
	res := scenario(t, s, func(h *harness) {
		prelude(h)
		h.sent()
		wg := clock.NewWaitGroup(h.w, "race")
		wg.Go("a", func() { a(h) })
		wg.Go("b", func() { b(h) })
		wg.Wait()
		all = h.all
	})
	return res, all
}

// indexOf returns the position of the first entry with prefix, or -1.
func indexOf(log []string, prefix string) int {
	return slices.IndexFunc(log, func(s string) bool { return strings.HasPrefix(s, prefix) })
}

// F1 trigger A: a Removed response from L is checked without requestMu;
// RemoveDispatcher (T9) runs in the gap; the retry re-reads an empty
// current and panics. HEAD, on the same seeds, never panics and never
// sends REGISTER after the REMOVE (6.1 F1).
func TestF1RemoveBetweenUnlockedCheckAndRetryPanics(t *testing.T) {
	prelude := func(h *harness) { h.toOnLocal(100) }
	retry := func(h *harness) { h.stat.RetryCurrentRegistrationIfRemovedFrom(L) }
	remove := func(h *harness) { h.stat.Remove() }
	var panicked []uint64
	for seed := uint64(1); seed <= seedBudget; seed++ {
		res, _ := race(t, setup{seed: seed, bugs: "f1-retry-unlocked"}, prelude, retry, remove)
		if res.Failure != nil {
			requirePanic(t, res, "current event service should not be empty")
			panicked = append(panicked, seed)
		}
	}
	t.Logf("f1 trigger A panicked on %d of %d seeds, first %v", len(panicked), seedBudget, panicked[:min(5, len(panicked))])
	require.NotEmpty(t, panicked, "f1 trigger A not found within %d seeds", seedBudget)
	for seed := uint64(1); seed <= seedBudget; seed++ {
		res, log := race(t, setup{seed: seed}, prelude, retry, remove)
		require.Nil(t, res.Failure, "HEAD, seed %d", seed)
		remove := indexOf(log, "REMOVE n1")
		require.GreaterOrEqual(t, remove, 0, "seed %d: %v", seed, log)
		require.Equal(t, -1, indexOf(log[remove:], "REGISTER"), "HEAD sent REGISTER after REMOVE, seed %d: %v", seed, log)
	}
}

// F1 trigger B: Removed from the current remote R1 passes the unlocked
// check; L's Ready (T3) runs in the gap; the retry re-reads current = L
// and sends REGISTER(L) to a healthy L. HEAD registers to R1 or not at
// all, never to L after L became current (6.1 F1).
func TestF1LocalReadyBetweenUnlockedCheckAndRetryRegistersToLocal(t *testing.T) {
	prelude := func(h *harness) { h.toOnRemote(100) }
	retry := func(h *harness) { h.stat.RetryCurrentRegistrationIfRemovedFrom(R1) }
	localReady := func(h *harness) { h.ready(L) }
	wrongTarget := func(log []string) bool {
		reset := indexOf(log, "RESET n1")
		return reset >= 0 && indexOf(log[reset:], "REGISTER n1") >= 0
	}
	var found []uint64
	for seed := uint64(1); seed <= seedBudget; seed++ {
		res, log := race(t, setup{seed: seed, bugs: "f1-retry-unlocked"}, prelude, retry, localReady)
		require.Nil(t, res.Failure, "seed %d", seed)
		if wrongTarget(log) {
			found = append(found, seed)
		}
	}
	t.Logf("f1 trigger B on %d of %d seeds, first %v", len(found), seedBudget, found[:min(5, len(found))])
	require.NotEmpty(t, found, "f1 trigger B not found within %d seeds", seedBudget)
	for seed := uint64(1); seed <= seedBudget; seed++ {
		res, log := race(t, setup{seed: seed}, prelude, retry, localReady)
		require.Nil(t, res.Failure, "HEAD, seed %d", seed)
		require.False(t, wrongTarget(log), "HEAD sent REGISTER(L) after RESET(L), seed %d: %v", seed, log)
	}
}

// F2: T9, then a Removed response produced before the REMOVE was applied.
// With f2 (the retry does not check removed, and removal keeps current)
// REGISTER(L) follows REMOVE(L) for a removed session, an I1 violation,
// and the retry reports success; HEAD refuses and sends nothing (6.1 F2).
func TestF2RetryAfterRemoveRegistersRemovedSession(t *testing.T) {
	for _, tc := range []struct {
		bugs string
		ok   bool
		want []string
	}{
		{"f2-retry-removed", true, []string{"REGISTER n1 startTs=100 onlyReuse=false"}},
		{"", false, nil},
	} {
		runScenario(t, setup{bugs: tc.bugs}, func(h *harness) {
			h.toOnLocal(100)
			h.stat.Remove()
			h.expect("REMOVE n1")
			assert.Equal(t, tc.ok, h.stat.RetryCurrentRegistrationIfRemovedFrom(L), "variant %q", tc.bugs)
			h.expect(tc.want...)
			assert.True(t, h.snap().Removed)
		})
	}
}

// f3Scenario is 6.1 F3's trigger: a merge, its commit, data; L loses the
// record and answers Removed; T8 re-registers; L's next Ready.
func f3Scenario(h *harness) {
	h.stat.Run()
	h.ready(L)
	h.expect("REGISTER n1 startTs=100 onlyReuse=false", "readyCallback")
	h.stat.CommitLocalRegistration()
	h.expect("RESET n1 ts=100 epoch=1")
	h.handshake(L, 1, 100)
	assert.True(h.t, h.stat.RetryCurrentRegistrationIfRemovedFrom(L))
	h.expect("REGISTER n1 startTs=100 onlyReuse=false")
	h.target.cp = 120
	h.ready(L)
}

// F3: with the callback kept, the second local Ready invokes it again and
// sends no RESET: the server record stays at epoch 0 and the dispatcher
// is stuck. HEAD sends RESET(L, 2) (6.1 F3).
func TestF3CallbackKeptSwallowsResetAfterReRegister(t *testing.T) {
	runScenario(t, setup{callback: true, bugs: "f3-callback-kept"}, func(h *harness) {
		f3Scenario(h)
		h.expect("readyCallback")
		assert.True(t, h.snap().ReadyCallbackSet)
		assert.EqualValues(t, 1, h.snap().Epoch, "no new epoch: the server's epoch-0 record is never reset")
	})
	runScenario(t, setup{callback: true}, func(h *harness) {
		f3Scenario(h)
		h.expect("RESET n1 ts=120 epoch=2")
		assert.False(t, h.snap().ReadyCallbackSet)
	})
}

// F4: a two-phase add probes a remote (T2 does not check the callback);
// the remote's Ready comes before L's; T4' panics. HEAD has this path
// unguarded, so HEAD panics too; L's Ready first is harmless (6.1 F4).
func TestF4RemoteReadyBeforeLocalDuringMergePanicsInHead(t *testing.T) {
	res := scenario(t, setup{callback: true}, func(h *harness) {
		h.stat.Run()
		h.stat.StartRemoteProbing([]wire.ServerID{R1})
		h.expect("REGISTER n1 startTs=100 onlyReuse=false", "REGISTER n2 startTs=100 onlyReuse=true")
		h.ready(R1)
	})
	requirePanic(t, res, "ready callback should be nil when accepting remote ready")

	runScenario(t, setup{callback: true}, func(h *harness) {
		h.stat.Run()
		h.stat.StartRemoteProbing([]wire.ServerID{R1})
		h.sent()
		h.ready(L)
		h.expect("REMOVE n2", "readyCallback")
		h.ready(R1)
		h.expect("REMOVE n2")
	})
}

// H1: two Removed responses for one current service. HEAD re-registers
// twice (the second REGISTER overwrites the first's record on the server);
// with h1 the second is refused while the first is in flight, and a later
// genuine Removed (after the Ready) is honoured again (6.3 H1).
func TestH1SecondRemovedResponseDoesNotReRegister(t *testing.T) {
	for _, tc := range []struct {
		server  wire.ServerID
		prelude func(h *harness)
		want    string
	}{
		{L, func(h *harness) { h.toOnLocal(100) }, "REGISTER n1 startTs=100 onlyReuse=false"},
		{R1, func(h *harness) { h.toOnRemote(100) }, "REGISTER n2 startTs=100 onlyReuse=true"},
	} {
		server, prelude, want := tc.server, tc.prelude, tc.want
		runScenario(t, setup{}, func(h *harness) {
			prelude(h)
			assert.True(t, h.stat.RetryCurrentRegistrationIfRemovedFrom(server))
			assert.True(t, h.stat.RetryCurrentRegistrationIfRemovedFrom(server))
			h.expect(want, want)
		})
		runScenario(t, setup{patches: "h1"}, func(h *harness) {
			prelude(h)
			assert.True(t, h.stat.RetryCurrentRegistrationIfRemovedFrom(server))
			assert.False(t, h.stat.RetryCurrentRegistrationIfRemovedFrom(server))
			h.expect(want)
			h.ready(server)
			h.expect("RESET " + string(server) + " ts=100 epoch=2")
			assert.True(t, h.stat.RetryCurrentRegistrationIfRemovedFrom(server))
			h.expect(want)
		})
	}
}

// h1's guard ends when a RESET overtakes the Ready: T8 re-registers to
// L, a drop of the old epoch makes the session RESET L, and L (whose
// record the REGISTER made) streams the new epoch without ever sending
// Ready. The REGISTER is then no longer in flight: a later Removed from L
// re-registers again instead of being ignored forever, the stall the
// fault sites found (TestHeartbeat seed 11, workloads/testdata/
// regressions.txt). A handshake of an epoch from before the REGISTER
// does not end the guard.
func TestH1GuardEndsWhenLStreamsAnEpochAfterTheRegister(t *testing.T) {
	runScenario(t, setup{patches: "h1"}, func(h *harness) {
		h.toOnLocal(100)
		h.handshake(L, 1, 100)
		assert.True(t, h.stat.RetryCurrentRegistrationIfRemovedFrom(L))
		h.expect("REGISTER n1 startTs=100 onlyReuse=false")
		h.data(L, hs(1, 100)) // a late duplicate of the old epoch's handshake
		assert.False(t, h.stat.RetryCurrentRegistrationIfRemovedFrom(L), "the REGISTER is still in flight")
		h.data(L, drop(1, 2, 110))
		h.expect("RESET n1 ts=100 epoch=2")
		assert.True(t, h.snap().LocalReadyPending, "L's Ready never came")
		assert.False(t, h.stat.RetryCurrentRegistrationIfRemovedFrom(L), "no handshake of epoch 2 yet")
		h.handshake(L, 2, 100)
		assert.True(t, h.stat.RetryCurrentRegistrationIfRemovedFrom(L), "L streams epoch 2: its record is active")
		h.expect("REGISTER n1 startTs=100 onlyReuse=false")
	})
}

// h4Scenario is 6.3 H4's trigger: L reports Removed between MergeReady
// and the commit; T8 re-registers and L's Ready arrives before the commit.
func h4Scenario(h *harness) {
	h.stat.Run()
	h.ready(L)
	h.expect("REGISTER n1 startTs=100 onlyReuse=false", "readyCallback")
	assert.True(h.t, h.stat.RetryCurrentRegistrationIfRemovedFrom(L))
	h.expect("REGISTER n1 startTs=100 onlyReuse=false")
	h.target.cp = 105
	h.ready(L)
}

// H4: HEAD sends RESET(L) before CommitAddDispatcher (data may reach the
// merged dispatcher before SetStartTs) and the commit a second RESET;
// with h4 the callback is still set, so no RESET goes out before the
// commit, which then clears the callback and sends the only RESET (I13).
func TestH4ReRegistrationBeforeCommitSendsNoEarlyReset(t *testing.T) {
	runScenario(t, setup{callback: true}, func(h *harness) {
		h4Scenario(h)
		h.expect("RESET n1 ts=105 epoch=1") // early: the I13 violation
		h.stat.CommitLocalRegistration()
		h.expect("RESET n1 ts=105 epoch=2")
	})
	runScenario(t, setup{callback: true, patches: "h4"}, func(h *harness) {
		h4Scenario(h)
		h.expect("readyCallback")
		assert.True(t, h.snap().ReadyCallbackSet)
		assert.Zero(t, h.snap().Epoch)
		h.stat.CommitLocalRegistration()
		h.expect("RESET n1 ts=105 epoch=1")
		assert.False(t, h.snap().ReadyCallbackSet, "h4 clears the callback at the commit")
		h.stat.RetryCurrentRegistrationIfRemovedFrom(L)
		h.ready(L)
		h.expect("REGISTER n1 startTs=100 onlyReuse=false", "RESET n1 ts=105 epoch=2")
	})
}

// h5: a Ready from a remote that is neither current nor pending gets a
// REMOVE, so the record a late or duplicated probe REGISTER left there is
// not kept for good (FINDINGS.md, "A remote event service keeps a record
// nobody wants"); a resent Ready from the current remote is still ignored,
// and the session's state does not change. Without h5 each is ignored
// (TestT4DoublePrimeUnsolicitedRemoteReadyIsIgnored).
func TestH5RemovesAStrayRemoteRecord(t *testing.T) {
	runScenario(t, setup{patches: "h5"}, func(h *harness) {
		h.stat.Run()
		h.sent()
		h.ready(R1) // WaitLocal: nobody asked R1
		h.expect("REMOVE " + string(R1))
		h.expectState("WaitLocal")
		h.stat.StartRemoteProbing([]wire.ServerID{R1})
		h.sent()
		h.ready(R2) // probing R1: R2 is a stray
		h.expect("REMOVE " + string(R2))
		h.ready(R1)
		h.sent()
		h.ready(R1) // OnRemote R1: its resent Ready is not a stray
		h.expect()
		h.expectState("OnRemote")
		assert.EqualValues(t, 1, h.snap().Epoch)
	})
}
