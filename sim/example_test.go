package sim_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/sim"
)

// TestRegisterRace is the README's example of a simulated test, kept here
// so that it compiles and runs with every change.
func TestRegisterRace(t *testing.T) {
	sim.Test(t, func(w *sim.World) {
		inbox := clock.NewUnbounded[string](w, "inbox")
		mu := clock.NewMutex(w, "requestMu")
		handled := 0
		w.NewNode("n1", func() {
			w.Go("server", func() {
				for {
					msg, _ := inbox.Recv()
					mu.Lock() // a scheduling point: other tasks may run first
					_ = msg
					handled++
					mu.Unlock()
				}
			})
		})
		w.Invariant("at most one request handled", 1, func() error {
			if handled > 1 {
				return fmt.Errorf("%d requests handled", handled)
			}
			return nil
		})
		inbox.Send("REGISTER")
		w.Sleep(10 * time.Second) // virtual: costs no wall time
	}, sim.Seeds(200))
}
