package sim

import (
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/clock"
)

// BenchmarkTimerEvents measures the cost of one timer event: pop the
// earliest of 1,000 pending timers, fire its callback (a step, with the
// trace hash and the checks), and push it back re-armed. This is the
// kernel's hot path with no task switch in it.
func BenchmarkTimerEvents(b *testing.B) {
	const pending = 1000
	c := DefaultConfig(1)
	c.MaxSteps = 1 << 62
	c.MaxTime = 1 << 62
	c.MaxWall = time.Hour
	w := New(c)
	fired := 0
	done := clock.NewMailbox[int](w, "done", 1)
	res := w.Run(func() {
		timers := make([]clock.Timer, pending)
		for i := range timers {
			period := time.Duration(1000+i) * time.Microsecond
			timers[i] = w.Schedule(period, func() {
				fired++
				if fired == b.N {
					done.TrySend(fired)
					return
				}
				timers[i].Reset(period)
			})
		}
		b.ReportAllocs()
		b.ResetTimer()
		done.Recv()
		b.StopTimer()
	})
	if res.Failure != nil {
		b.Fatal(res.Failure.Report())
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/event")
}

// BenchmarkTaskSwitch measures one task switch: two tasks yield to each
// other, so each iteration is a coroutine switch out, a strategy pick and
// a switch in.
func BenchmarkTaskSwitch(b *testing.B) {
	c := DefaultConfig(1)
	c.MaxSteps = 1 << 62
	c.MaxWall = time.Hour
	w := New(c)
	res := w.Run(func() {
		n := b.N / 2
		wg := clock.NewWaitGroup(w, "wg")
		b.ReportAllocs()
		b.ResetTimer()
		for range 2 {
			wg.Go("yielder", func() {
				for range n {
					w.Yield()
				}
			})
		}
		wg.Wait()
		b.StopTimer()
	})
	if res.Failure != nil {
		b.Fatal(res.Failure.Report())
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/switch")
}

// BenchmarkMailboxPingPong measures a message round trip between two
// tasks through two bounded mailboxes: two blocking receives, two wake-ups
// and two switches per iteration.
func BenchmarkMailboxPingPong(b *testing.B) {
	c := DefaultConfig(1)
	c.MaxSteps = 1 << 62
	c.MaxWall = time.Hour
	w := New(c)
	res := w.Run(func() {
		ping := clock.NewMailbox[int](w, "ping", 1)
		pong := clock.NewMailbox[int](w, "pong", 1)
		w.Go("ponger", func() {
			for {
				v, _ := ping.Recv()
				pong.Send(v)
			}
		})
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			ping.Send(i)
			pong.Recv()
		}
		b.StopTimer()
	})
	if res.Failure != nil {
		b.Fatal(res.Failure.Report())
	}
}

// BenchmarkMutexContended measures Lock/Unlock with two tasks contending:
// Lock is a scheduling point, so every iteration includes a switch.
func BenchmarkMutexContended(b *testing.B) {
	c := DefaultConfig(1)
	c.MaxSteps = 1 << 62
	c.MaxWall = time.Hour
	w := New(c)
	res := w.Run(func() {
		mu := clock.NewMutex(w, "mu")
		wg := clock.NewWaitGroup(w, "wg")
		n := b.N / 2
		b.ReportAllocs()
		b.ResetTimer()
		for range 2 {
			wg.Go("locker", func() {
				for range n {
					mu.Lock()
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		b.StopTimer()
	})
	if res.Failure != nil {
		b.Fatal(res.Failure.Report())
	}
}
