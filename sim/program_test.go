package sim

import (
	"fmt"
	"time"

	"github.com/cdcsim/cdcsim/clock"
)

// busyProgram is the task-heavy program the determinism meta-tests run:
// three nodes exchanging messages through mailboxes, workers contending on
// mutexes and a reader/writer lock, select loops over two mailboxes with a
// ticker, random sleeps, Buggify sites, and a fault task that crashes and
// restarts nodes. Every kind of decision the kernel makes appears in it.
func busyProgram(w *World) {
	r := w.Rand("program")
	inboxes := make([]*clock.Mailbox[int], 3)
	var nodes []*Node
	for i := range 3 {
		boot := func() {
			inbox := clock.NewUnbounded[int](w, fmt.Sprintf("inbox%d", i))
			inboxes[i] = inbox
			control := clock.NewMailbox[int](w, "control", 4)
			mu := clock.NewMutex(w, "state")
			rw := clock.NewRWMutex(w, "table")
			state := 0
			w.Root() // keep the closure honest: nothing else is captured
			for k := range 3 {
				w.Go(fmt.Sprintf("worker%d", k), func() {
					for {
						mu.Lock()
						v := state
						w.Yield()
						state = v + 1
						mu.Unlock()
						rw.RLock()
						_ = state
						rw.RUnlock()
						w.Sleep(time.Duration(1+r.IntN(20)) * time.Millisecond)
						if w.Buggify("program/extra-yield") {
							w.Yield()
						}
						control.TrySend(k)
					}
				})
			}
			w.Go("loop", func() {
				tick := clock.NewTicker(w, "tick", 7*time.Millisecond)
				var msg, ctl int
				var now clock.Time
				cases := []clock.Case{inbox.Case(&msg), control.Case(&ctl), tick.C.Case(&now)}
				for {
					idx, ok := clock.Select(w, cases...)
					if !ok {
						return
					}
					if idx == 0 && msg > 0 && inboxes[(i+1)%3] != nil {
						inboxes[(i+1)%3].Send(msg - 1)
					}
					if idx == 2 {
						rw.Lock()
						state++
						rw.Unlock()
					}
				}
			})
		}
		nodes = append(nodes, w.NewNode(fmt.Sprintf("n%d", i), boot))
	}
	w.Go("faults", func() {
		for range 4 {
			w.Sleep(time.Duration(20+r.IntN(60)) * time.Millisecond)
			n := nodes[r.IntN(len(nodes))]
			w.Crash(n)
			w.Sleep(time.Duration(r.IntN(30)) * time.Millisecond)
			w.Restart(n)
		}
	})
	wg := clock.NewWaitGroup(w, "senders")
	for k := range 4 {
		wg.Go(fmt.Sprintf("sender%d", k), func() {
			for range 10 {
				if in := inboxes[r.IntN(3)]; in != nil {
					in.Send(r.IntN(5))
				}
				w.Sleep(time.Duration(r.IntN(10)) * time.Millisecond)
			}
		})
	}
	wg.Wait()
	w.Sleep(300 * time.Millisecond)
}

// mapProgram decides which task to start, and how long to sleep, by the
// first key of a map: Go randomises map iteration, so two runs of the same
// seed differ. The simulator must catch it as nondeterminism.
func mapProgram(w *World) {
	m := map[string]int{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7, "h": 8}
	for round := range 12 {
		for k, v := range m { // deliberately nondeterministic
			w.Go(k, func() { w.Sleep(time.Duration(v) * time.Millisecond) })
			break
		}
		w.Sleep(time.Duration(round) * time.Millisecond)
	}
	w.Sleep(time.Second)
}
