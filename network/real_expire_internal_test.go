package network

import (
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/clock"
)

// A stress run's injector adds a partition about every PartitionEvery;
// each expires after PartitionFor. The real network drops expired rules
// as it adds new ones, so its rule list (scanned on every send) stays the
// size of what is in force, not of everything the run ever injected.
func TestRealDropsExpiredRules(t *testing.T) {
	net := NewReal(clock.NewReal(), Fixed(0))
	defer net.Close()
	if err := net.SetFaults(Faults{Latency: Fixed(0), PartitionEvery: 200 * time.Microsecond, PartitionFor: Fixed(time.Microsecond)}); err != nil {
		t.Fatal(err)
	}
	net.Attach("a", "s")
	net.Attach("b", "s")
	net.RunFaults()
	most, seen := 0, 0
	for deadline := time.Now().Add(200 * time.Millisecond); time.Now().Before(deadline); {
		net.mu.Lock()
		most, seen = max(most, len(net.rules)), seen+min(len(net.rules), 1)
		net.mu.Unlock()
		time.Sleep(100 * time.Microsecond)
	}
	net.Heal()
	if seen == 0 {
		t.Skip("no partition was injected in 200 ms: machine too busy to tell")
	}
	// One injection adds one or two cuts; everything older has expired.
	if most > 2 {
		t.Fatalf("the real network held %d rules at once; want at most the 2 of one partition", most)
	}
}
