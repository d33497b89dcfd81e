//dst:simulated: the workloads below run inside the simulator

package sim_test

import (
	"testing"
	"time"

	"example.com/planted/sim"
)

func TestWorkload(t *testing.T) {
	n := &sim.Node{}
	n.Step(func(string) {})
	time.Sleep(time.Millisecond) // bad: wall-clock
}
