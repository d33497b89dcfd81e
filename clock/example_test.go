package clock_test

import (
	"fmt"
	"time"

	"github.com/cdcsim/cdcsim/clock"
)

// The same code runs on the simulator or, as here, on goroutines and the
// wall clock: it asks a clock.Runtime for its tasks, timers, mailboxes
// and locks instead of using go, time and sync directly.
func worker(rt clock.Runtime, jobs *clock.Mailbox[int], done *clock.Mailbox[string]) {
	mu := clock.NewMutex(rt, "results")
	total := 0
	wg := clock.NewWaitGroup(rt, "workers")
	for i := range 2 {
		wg.Add(1)
		rt.Go(fmt.Sprintf("worker %d", i), func() {
			defer wg.Done()
			for {
				j, ok := jobs.Recv()
				if !ok {
					return
				}
				mu.Lock() // a scheduling point in the simulator
				total += j
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	done.Send(fmt.Sprint("total ", total))
}

// A runtime of the real world (clock.NewReal): Go starts goroutines and
// Sleep sleeps. In a simulated run, sim.World is the Runtime and the
// same worker runs under the seeded scheduler.
func ExampleNewReal() {
	rt := clock.NewReal()
	jobs := clock.NewMailbox[int](rt, "jobs", 4)
	done := clock.NewUnbounded[string](rt, "done")
	rt.Go("main", func() { worker(rt, jobs, done) })
	for j := 1; j <= 10; j++ {
		jobs.Send(j)
	}
	jobs.Close()
	msg, _ := done.Recv()
	rt.Sleep(time.Millisecond)
	rt.Stop()
	rt.Wait()
	fmt.Println(msg)
	// Output: total 55
}
