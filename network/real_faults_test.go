package network_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cdcsim/cdcsim/network"
)

// With SetFaults the real network drops and duplicates messages at the
// configured rates, and after Heal it delivers everything again.
func TestRealFaultsDropDuplicateHeal(t *testing.T) {
	net := newReal(t, network.Fixed(0))
	require.NoError(t, net.SetFaults(network.Faults{Latency: network.Fixed(0), DropP: 0.3, DupP: 0.3}))
	a, b := net.Attach("a", "s"), net.Attach("b", "s")
	const sends = 400
	for i := range sends {
		require.NoError(t, a.Send("b", "s", i))
	}
	st := net.Stats()
	require.Positive(t, st.DroppedRandom)
	require.Positive(t, st.Duplicated)
	want := int(st.Sent - st.DroppedRandom + st.Duplicated)
	for range want {
		recvWithin(t, b.Inbox("s"), 5*time.Second)
	}
	net.Heal()
	for i := range 100 {
		require.NoError(t, a.Send("b", "s", i))
		require.Equal(t, i, recvWithin(t, b.Inbox("s"), 5*time.Second).Msg, "healed: no drop, no duplicate")
	}
}

// RunFaults injects partitions (one-way or both) until Heal; messages
// sent across one are lost, and Heal ends them.
func TestRealFaultsPartitions(t *testing.T) {
	net := newReal(t, network.Fixed(0))
	require.NoError(t, net.SetFaults(network.Faults{Latency: network.Fixed(0), PartitionEvery: time.Millisecond, PartitionFor: network.Fixed(time.Hour)}))
	a, b := net.Attach("a", "s"), net.Attach("b", "s")
	net.RunFaults()
	deadline := time.Now().Add(5 * time.Second)
	for net.Stats().DroppedCut == 0 {
		require.True(t, time.Now().Before(deadline), "no partition within 5 s")
		_ = a.Send("b", "s", 0)
		_ = b.Send("a", "s", 0)
		time.Sleep(time.Millisecond)
	}
	net.Heal()
	require.NoError(t, a.Send("b", "s", "after"))
	for recvWithin(t, b.Inbox("s"), 5*time.Second).Msg != "after" { // what was delivered before comes first
	}
}

// SetFaults refuses what Sim refuses, with the key's name.
func TestRealSetFaultsValidates(t *testing.T) {
	net := newReal(t, network.Fixed(0))
	require.ErrorContains(t, net.SetFaults(network.Faults{Latency: network.Fixed(0), DropP: 1.5}), "net.drop")
	require.ErrorContains(t, net.SetFaults(network.Faults{Latency: network.Fixed(0), ClogEvery: -time.Second}), "must not be negative")
	require.NoError(t, net.SetFaults(network.Faults{Latency: network.Fixed(0)}), "capacity 0: unbounded")
}

// Heal keeps the link capacity, as Sim's does: a link whose queue is full
// still refuses a send at once.
func TestRealHealKeepsLinkCapacity(t *testing.T) {
	net := newReal(t, network.Fixed(time.Hour))
	require.NoError(t, net.SetFaults(network.Faults{Latency: network.Fixed(time.Hour), LinkCapacity: 2}))
	a, _ := net.Attach("a", "s"), net.Attach("b", "s")
	net.Heal()
	require.NoError(t, a.Send("b", "s", 1))
	require.NoError(t, a.Send("b", "s", 2))
	require.ErrorIs(t, a.Send("b", "s", 3), network.ErrCongested)
}
