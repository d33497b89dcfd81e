package sim_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/sim"
)

// Run one seed of a program: tasks on a node trade messages through a
// mailbox while virtual time advances only when every task waits. The
// same configuration gives the same run, hash included.
func ExampleRun() {
	body := func(w *sim.World) {
		inbox := clock.NewUnbounded[int](w, "inbox")
		sum := 0
		w.NewNode("n1", func() {
			w.Go("producer", func() {
				for i := 1; i <= 3; i++ {
					w.Sleep(time.Second)
					inbox.Send(i)
				}
			})
		})
		for range 3 {
			v, _ := inbox.Recv()
			sum += v
		}
		fmt.Println("sum", sum, "at", w.Now())
	}
	cfg := sim.DeriveConfig(7)
	if err := cfg.Set("faults", "none"); err != nil { // a clean LAN, no crashes, no Buggify
		panic(err)
	}
	a, b := sim.Run(cfg, body), sim.Run(cfg, body)
	fmt.Println("passed:", a.Passed(), "same hash:", a.Hash == b.Hash)
	// Output:
	// sum 6 at 3.000000000s
	// sum 6 at 3.000000000s
	// passed: true same hash: true
}

// An invariant runs after every step (here every step: 1) and fails the
// run, as a safety failure, at the first step where it returns an error.
func ExampleWorld_Invariant() {
	res := sim.Run(sim.DeriveConfig(1), func(w *sim.World) {
		balance := 10
		w.Invariant("balance never negative", 1, func() error {
			if balance < 0 {
				return errors.New("balance is " + fmt.Sprint(balance))
			}
			return nil
		})
		for range 3 {
			w.Sleep(time.Millisecond)
			balance -= 4 // the bug: no check before withdrawing
		}
	})
	fmt.Println(res.Failure.Kind, "at", res.Failure.Time)
	fmt.Println(res.Failure.Message)
	// Output:
	// safety at 0.003000000s
	// invariant "balance never negative" violated: balance is -2
}
