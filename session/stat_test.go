package session_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/session"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An invalid Config fails in NewStat, before any state exists.
func TestNewStatRejectsInvalidConfig(t *testing.T) {
	res := sim.Run(sim.DefaultConfig(1), func(w *sim.World) {
		target := &fakeTarget{startTs: startTs, cp: startTs}
		for _, tc := range []struct {
			cfg  session.Config
			want string
		}{
			{session.Config{LocalServerID: L, Send: func(wire.ServerID, *wire.DispatcherRequest) {}}, "Runtime is nil"},
			{session.Config{Runtime: w, Send: func(wire.ServerID, *wire.DispatcherRequest) {}}, "LocalServerID is empty"},
			{session.Config{Runtime: w, LocalServerID: L}, "Send is nil"},
		} {
			assert.PanicsWithValue(t, "session: Config."+tc.want, func() { session.NewStat(tc.cfg, target, nil) })
		}
	})
	require.Nil(t, res.Failure)
}

// Every transition and data-path decision leaves one trace line naming
// the dispatcher and the row of 3.1 (DESIGN.md: the trace is the
// debugging interface).
func TestTraceNamesTransitions(t *testing.T) {
	var lines []string
	res := sim.Run(sim.DefaultConfig(1), func(w *sim.World) {
		target := &fakeTarget{startTs: startTs, cp: startTs}
		stat := session.NewStat(session.Config{
			Runtime:       w,
			LocalServerID: L,
			Send:          func(wire.ServerID, *wire.DispatcherRequest) {},
			Trace:         func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) },
		}, target, nil)
		stat.Run()
		stat.HandleSignalEvent(L, &wire.ReadyEvent{DispatcherID: D})
		stat.HandleDataEvents(L, []wire.Event{dml(1, 2, 110)}, func() {})
	})
	require.Nil(t, res.Failure)
	text := strings.Join(lines, "\n")
	t.Log(text)
	for _, want := range []string{"session d7: T1 register to local n1", "session d7: T3 local ready from n1 accepted",
		"RESET(d7 from n1, resetTs=100, epoch=1)", "before the handshake of epoch 1", "T7 reset current event service n1"} {
		assert.Contains(t, text, want)
	}
}

// A checker task interleaved with the transitions can observe one half
// done (requestMu held, parked at connState's lock): the Snapshot says so,
// so checkers can skip cross-field facts there (1.4). Searched over seeds.
func TestSnapshotMarksTransitionInProgress(t *testing.T) {
	sawInTransition := false
	for seed := uint64(1); seed <= 50 && !sawInTransition; seed++ {
		runScenario(t, setup{seed: seed}, func(h *harness) {
			done := false
			h.w.Go("checker", func() {
				for !done {
					sawInTransition = sawInTransition || h.snap().InTransition
					h.w.Yield()
				}
			})
			h.stat.Run()
			h.ready(L)
			h.stat.Remove()
			done = true
			assert.False(t, h.snap().InTransition)
		})
	}
	assert.True(t, sawInTransition, "no seed in 1..50 let the checker run inside a transition")
}

// realTarget is fakeTarget for real goroutines: cp is read concurrently.
type realTarget struct {
	fakeTarget
	cpAtomic atomic.Uint64
}

func (r *realTarget) CheckpointTs() wire.Ts { return wire.Ts(r.cpAtomic.Load()) }

// The same code runs on real goroutines (clock.Real): Removed responses,
// Readies, heartbeat reports, data batches and a removal race for real,
// without data races under -race, and no request follows the REMOVE to L
// (I1 at the session's output).
func TestRealRuntimeConcurrentEntryPoints(t *testing.T) {
	rt := clock.NewReal()
	target := &realTarget{fakeTarget: fakeTarget{startTs: startTs}}
	target.cpAtomic.Store(uint64(startTs))
	var mu sync.Mutex
	var log []string
	stat := session.NewStat(session.Config{
		Runtime:       rt,
		LocalServerID: L,
		Send: func(to wire.ServerID, r *wire.DispatcherRequest) {
			mu.Lock()
			defer mu.Unlock()
			log = append(log, r.Action.String()+" "+string(to))
		},
	}, target, nil)
	stat.Run()
	stat.HandleSignalEvent(L, &wire.ReadyEvent{DispatcherID: D})
	stat.HandleDataEvents(L, []wire.Event{hs(1, startTs)}, func() {})
	rt.Go("data", func() {
		for i := range uint64(200) {
			stat.HandleDataEvents(L, []wire.Event{dml(1, i+2, startTs+wire.Ts(i)+1)}, func() {})
		}
	})
	rt.Go("heartbeat", func() {
		for range 200 {
			if _, p, ok := stat.HeartbeatReport(); ok {
				assert.LessOrEqual(t, p.CheckpointTs, target.CheckpointTs())
			}
			target.cpAtomic.Add(1)
		}
	})
	rt.Go("responses", func() {
		for range 100 {
			stat.RetryCurrentRegistrationIfRemovedFrom(L)
			stat.HandleSignalEvent(L, &wire.ReadyEvent{DispatcherID: D})
		}
	})
	rt.Go("manager", func() {
		rt.Yield()
		stat.Remove()
	})
	rt.Wait()
	s := stat.Snapshot()
	assert.Equal(t, "Removed", s.State(L))
	last := slices.Index(log, "REMOVE n1")
	require.GreaterOrEqual(t, last, 0, log)
	assert.Equal(t, []string{"REMOVE n1"}, log[last:], "nothing after the REMOVE")
}
