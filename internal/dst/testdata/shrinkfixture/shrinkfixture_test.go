// Package shrinkfixture is a workload for the dst shrink tests: it fails
// only when the network duplicates a message, so a shrink must keep the
// duplication on and may switch every other fault off.
package shrinkfixture

import (
	"fmt"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/sim"
)

// TestFixtureNet sends numbered messages from a to b and fails (a panic)
// when one arrives twice.
func TestFixtureNet(t *testing.T) {
	sim.Test(t, func(w *sim.World) {
		net := w.Network()
		a, b := net.Attach("a", "s"), net.Attach("b", "s")
		seen := make([]bool, 1000)
		w.Go("receiver", func() {
			for {
				env, ok := b.Inbox("s").Recv()
				if !ok {
					return
				}
				i := env.Msg.(int)
				if seen[i] {
					panic(fmt.Sprintf("message %d arrived twice", i))
				}
				seen[i] = true
			}
		})
		for i := range len(seen) {
			_ = a.Send("b", "s", i)
			w.Sleep(time.Millisecond)
		}
		w.Sleep(10 * time.Second)
	}, sim.Seeds(10))
}
