package collector

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// AppendAreas reports an area's accounting as it is, and a path with
// queued events that is neither scheduled nor blocked as idle (forced
// here: the model never leaves one so, which is what I19 checks); a
// blocked path with queued events is not idle.
func TestAppendAreasReportsAccountingAndIdlePaths(t *testing.T) {
	var blocked, idle []AreaSnapshot
	run(t, options{}, func(h *harness) {
		d := newTarget(1, 0)
		h.onLocal(d, 1<<20)
		d.block = true
		h.events(L, dml(1, 1, 2))
		h.settle()
		h.events(L, dml(1, 1, 3))
		h.settle()
		blocked = h.c.AppendAreas(nil)
		h.c.mu.Lock()
		h.pathOf(1).blocked = false // what a lost schedule would leave
		h.c.mu.Unlock()
		idle = h.c.AppendAreas(blocked[:0:0])
		h.c.mu.Lock()
		h.pathOf(1).blocked = true
		h.c.mu.Unlock()
		d.block = false
		d.wake()
		h.settle()
	})
	require.Len(t, blocked, 1)
	a := blocked[0]
	require.Equal(t, eventSize(dml(1, 1, 3)), a.Pending, "the DML queued behind the blocked one")
	require.EqualValues(t, 1<<20, a.Quota)
	require.False(t, a.OverLimit)
	require.Zero(t, a.Idle, "a blocked path waits for its wake")
	require.Equal(t, 1, idle[0].Idle)
	require.EqualValues(t, 1, idle[0].FirstIdle)
}
