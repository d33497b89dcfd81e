package network_test

import (
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/sim"
)

// BenchmarkNetworkMessages measures one message through the simulated
// network with faults on (the default preset's drops, duplicates, delay
// spikes and synchronous failures; no partitions): the send decision, the
// link queue, the delivery timer, the hand-over to the inbox, and the
// receiver's wake-up. Senders on two nodes stream to a receiver on a
// third, pacing themselves and backing off for 10 ms on a synchronous
// failure, as the collector's send loop does (PROTOCOL.md 2.5). Every
// send attempt counts as a message. The payload is a pointer, so the
// figure is the network's own cost.
func BenchmarkNetworkMessages(b *testing.B) {
	cfg := sim.DefaultConfig(1)
	cfg.MaxSteps, cfg.MaxTime, cfg.MaxWall = 1<<62, 1<<62, time.Hour
	faults, _ := network.PresetFaults(network.PresetDefault)
	faults.PartitionEvery, faults.ClogEvery = 0, 0
	cfg.Net = faults
	payload := &struct{ seq int }{}
	var stats network.Stats
	res := sim.Run(cfg, func(w *sim.World) {
		net := w.Network()
		received := 0
		done := clock.NewMailbox[int](w, "done", 1)
		w.NewNode("dst", func() {
			in := net.Attach("dst", "events").Inbox("events")
			w.Go("receiver", func() {
				for {
					if _, ok := in.Recv(); !ok {
						return
					}
					received++
				}
			})
		})
		per := b.N / 2
		sent := 0
		for _, name := range []network.NodeID{"src1", "src2"} {
			w.NewNode(string(name), func() {
				ep := net.Attach(name, "events")
				w.Go("sender", func() {
					for i := range per {
						if ep.Send("dst", "events", payload) != nil {
							w.Sleep(10 * time.Millisecond)
						}
						if i%64 == 63 {
							w.Sleep(time.Millisecond)
						}
					}
					sent++
					if sent == 2 {
						done.TrySend(1)
					}
				})
			})
		}
		b.ReportAllocs()
		b.ResetTimer()
		done.Recv()
		w.Sleep(10 * time.Second) // drain: latency spikes are capped at 2s
		b.StopTimer()
		stats = net.Stats()
	})
	if res.Failure != nil {
		b.Fatal(res.Failure.Report())
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(max(b.N, 1)), "ns/msg")
	b.ReportMetric(float64(stats.Delivered)/float64(max(b.N, 1)), "delivered/msg")
	if b.N > 1000 && stats.Delivered == 0 {
		b.Fatalf("nothing delivered: %+v", stats)
	}
}
