package sim_test

import (
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/sim"
)

// registerRace is the README's example of a simulated test: a
// check-then-act race of the kind the model has. Two handlers serve one
// inbox; each checks that the dispatcher has no session, then takes the
// lock to open one. A REGISTER and its retry reach both handlers, and when
// the scheduler switches from one to the other between the check and the
// act, both open a session.
func registerRace(w *sim.World) {
	inbox := clock.NewUnbounded[string](w, "inbox")
	mu := clock.NewMutex(w, "sessionsMu")
	sessions := map[string]int{} // dispatcher -> sessions open
	w.NewNode("n1", func() {
		for _, name := range []string{"handler1", "handler2"} {
			w.Go(name, func() {
				for {
					id, _ := inbox.Recv()
					if sessions[id] > 0 { // check...
						continue
					}
					mu.Lock()      // ...a scheduling point: the other handler may run here...
					sessions[id]++ // ...then act
					mu.Unlock()
				}
			})
		}
	})
	w.Invariant("one session per dispatcher", 1, func() error {
		if n := sessions["d1"]; n > 1 {
			return fmt.Errorf("d1 has %d sessions", n)
		}
		return nil
	})
	inbox.Send("d1") // REGISTER
	w.Sleep(time.Duration(w.Rand("retry").IntN(3)) * time.Millisecond)
	inbox.Send("d1")          // its retry, 0-2 ms later
	w.Sleep(10 * time.Second) // virtual: costs no wall time
}

// TestRegisterRace fails: the scheduler finds the race. It runs only
// when -run names it (go test ./sim -run TestRegisterRace), so that go
// test ./... stays green; TestRegisterRaceIsFound checks it in every run.
func TestRegisterRace(t *testing.T) {
	failsOnPurpose(t) // skipped unless -run names it, so that go test ./... passes
	sim.Test(t, registerRace, sim.Seeds(200))
}

// registerRaceSeed is the first seed at which registerRace fails, as the
// README shows it. A change to the kernel's scheduling may move it
// (the sim goldens move with it): update both.
const registerRaceSeed = 4

// The scheduler finds the README's race, at the seed the README shows.
func TestRegisterRaceIsFound(t *testing.T) {
	for seed := uint64(1); seed <= 200; seed++ {
		res := sim.Run(sim.DeriveConfig(seed), registerRace)
		if res.Passed() {
			continue
		}
		f := res.Failure
		if f.Kind != sim.KindSafety || !strings.Contains(f.Message, "d1 has 2 sessions") {
			t.Fatalf("seed %d failed otherwise than by the race: %s: %s", seed, f.Kind, f.Message)
		}
		if seed != registerRaceSeed {
			t.Fatalf("the race is found first at seed %d; the README shows seed %d: update it and registerRaceSeed", seed, registerRaceSeed)
		}
		return
	}
	t.Fatal("200 seeds did not find the README's race")
}

// failsOnPurpose skips a test that is meant to fail unless go test's
// -run names it.
func failsOnPurpose(t *testing.T) {
	if f := flag.Lookup("test.run"); f == nil || !strings.Contains(f.Value.String(), t.Name()) {
		t.Skipf("fails on purpose, to show a failure: go test ./sim -run '^%s$'", t.Name())
	}
}
