package sim

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// The queue pops in (time, sequence) order whatever order entries were
// pushed in, and ties in time keep their scheduling order.
func TestEventQueueOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var q eventQueue
	for seq := range uint64(5000) {
		q.push(event{at: int64(r.IntN(100)), seq: seq})
	}
	prev := event{at: -1}
	for q.len() > 0 {
		e := q.pop()
		require.True(t, prev.before(&e), "%+v popped after %+v", e, prev)
		prev = e
	}
}

// BenchmarkEventQueue is the heap alone: pop the earliest of 1,000 pending
// entries and push it back later, the hold model that BenchmarkTimerEvents
// runs through the whole kernel. The ratio of the two is the kernel's
// overhead per event beyond the queue.
func BenchmarkEventQueue(b *testing.B) {
	var q eventQueue
	var seq uint64
	for i := range 1000 {
		seq++
		q.push(event{at: int64(1000+i) * 1000, seq: seq})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		e := q.pop()
		seq++
		e.at += int64(1000+e.seq%1000) * 1000
		e.seq = seq
		q.push(e)
	}
}
