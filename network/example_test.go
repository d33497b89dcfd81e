package network_test

import (
	"fmt"
	"time"

	"github.com/cdcsim/cdcsim/sim"
)

// Two nodes on the run's simulated network: a partition cuts the link
// both ways for two seconds, so what is sent meanwhile is lost, as a
// packet is, and Send still returns nil; after it, messages flow again,
// in order. A workload injects targeted faults the same way (Partition,
// PartitionOneWay, Isolate, Clog), beside the swarm's random ones.
func ExampleSim_Partition() {
	cfg := sim.DeriveConfig(1)
	if err := cfg.Set("faults", "none"); err != nil { // no random faults: only the partition below
		panic(err)
	}
	sim.Run(cfg, func(w *sim.World) {
		net := w.Network()
		a := net.Attach("a", "data")
		b := net.Attach("b", "data")
		send := func(i int) {
			if err := a.Send("b", "data", i); err != nil {
				panic(err)
			}
		}
		send(1)
		w.Sleep(time.Second)
		net.Partition("a", "b", 2*time.Second)
		send(2) // lost in the partition
		w.Sleep(3 * time.Second)
		send(3)
		w.Sleep(time.Second)
		for {
			env, ok := b.Inbox("data").TryRecv()
			if !ok {
				break
			}
			fmt.Println("b got", env.Msg, "from", env.From)
		}
		fmt.Println("lost to the cut:", net.Stats().DroppedCut)
	})
	// Output:
	// b got 1 from a
	// b got 3 from a
	// lost to the cut: 1
}
