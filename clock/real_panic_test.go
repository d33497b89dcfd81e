package clock_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/cdcsim/cdcsim/clock"
)

// A panic in a task or a Schedule callback goes to the OnPanic handler,
// with its stack, instead of crashing the process; the other tasks go on,
// and Stop and Wait still end the run (what bench/peers relies on to
// count a model's panic as a finding).
func TestRealOnPanic(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	rt := clock.NewReal()
	var mu sync.Mutex
	var got []any
	var stacks []string
	caught := make(chan struct{}, 2)
	rt.OnPanic(func(p any, stack []byte) {
		mu.Lock()
		got, stacks = append(got, p), append(stacks, string(stack))
		mu.Unlock()
		caught <- struct{}{}
	})
	alive := clock.NewUnbounded[int](rt, "alive")
	rt.Go("survivor", func() {
		for {
			rt.Sleep(time.Millisecond)
			alive.TrySend(1)
		}
	})
	rt.Go("panics", func() { panic("task") })
	rt.Schedule(time.Millisecond, func() { panic("callback") })
	for range 2 {
		select {
		case <-caught:
		case <-time.After(10 * time.Second):
			t.Fatal("a panic did not reach the handler")
		}
	}
	_, ok := alive.Recv()
	require.True(t, ok, "the other task goes on")
	rt.Stop()
	rt.Wait()
	mu.Lock()
	defer mu.Unlock()
	require.ElementsMatch(t, []any{"task", "callback"}, got)
	for _, s := range stacks {
		require.Contains(t, s, "TestRealOnPanic", "the stack is the panicking goroutine's")
	}
}
