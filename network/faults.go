package network

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/cdcsim/cdcsim/knob"
)

// Faults is the network's part of a run's configuration: base latency,
// per-message faults, synchronous send failures, and the rates of the
// partitions and clogs a fault task injects during the safety phase. A
// zero rate or interval turns that fault off.
type Faults struct {
	// Latency is the delivery delay of every message.
	Latency Dist
	// DropP is the probability a message is lost. Invariant: in [0, 1].
	DropP float64
	// DupP is the probability a message is delivered twice.
	DupP float64
	// SpikeP is the probability a message is delayed by an extra Spike.
	SpikeP float64
	Spike  Dist
	// CongestedP and NotReadyP are the probabilities that a send fails at
	// once with ErrCongested or ErrNotReady.
	CongestedP float64
	NotReadyP  float64
	// LinkCapacity bounds the messages in flight on one (from, to, stream);
	// a send beyond it fails with ErrCongested. Invariant: >= 1.
	LinkCapacity int
	// PartitionEvery is the mean time between random partitions (0: none);
	// each lasts PartitionFor and is one-way with probability 1/2.
	PartitionEvery time.Duration
	PartitionFor   Dist
	// ClogEvery is the mean time between random clogs of a node (0: none);
	// a clogged node neither delivers nor receives for ClogFor, then drains.
	ClogEvery time.Duration
	ClogFor   Dist
}

// Preset names a fixed fault level.
type Preset string

const (
	PresetNone    Preset = "none"
	PresetLite    Preset = "lite"
	PresetDefault Preset = "default"
	PresetHarsh   Preset = "harsh"
)

// Presets lists the presets from mildest to harshest.
var Presets = []Preset{PresetNone, PresetLite, PresetDefault, PresetHarsh} //dst:allow package-state: a read-only table

// PresetFaults returns the faults of a preset: none is a clean LAN, lite
// a lossy one, default adds partitions and clogs, harsh turns every rate
// up.
func PresetFaults(p Preset) (Faults, error) {
	f := Faults{Latency: Uniform(500*time.Microsecond, 2*time.Millisecond), LinkCapacity: 4096,
		Spike: LongTail(50*time.Millisecond, 2*time.Second), PartitionFor: Uniform(time.Second, 30*time.Second),
		ClogFor: Uniform(100*time.Millisecond, 5*time.Second)}
	switch p {
	case PresetNone:
	case PresetLite:
		f.DropP, f.DupP, f.SpikeP, f.CongestedP = 0.001, 0.001, 0.01, 0.001
	case PresetDefault:
		f.DropP, f.DupP, f.SpikeP, f.CongestedP, f.NotReadyP = 0.01, 0.01, 0.02, 0.01, 0.005
		f.PartitionEvery, f.ClogEvery = time.Minute, 30*time.Second
	case PresetHarsh:
		f.Latency = LongTail(2*time.Millisecond, time.Second)
		f.DropP, f.DupP, f.SpikeP, f.CongestedP, f.NotReadyP = 0.05, 0.05, 0.1, 0.05, 0.02
		f.PartitionEvery, f.ClogEvery = 10*time.Second, 5*time.Second
		f.LinkCapacity = 64
	default:
		return Faults{}, fmt.Errorf("unknown preset %q; known presets: none, lite, default, harsh", p)
	}
	return f, nil
}

// SwarmFaults draws a fault mix for one seed (Groce et al., "Swarm
// testing"): each fault kind is on with probability 1/2, and an enabled
// kind draws its rate from a range. Runs that leave some faults out reach
// states a run with every fault on rarely does.
func SwarmFaults(r *rand.Rand) Faults {
	f, _ := PresetFaults(PresetNone)
	on := func() bool { return r.IntN(2) == 0 }
	// Rates are rounded to four decimals so the printed block reads well
	// and pins back exactly.
	rate := func(lo, hi float64) float64 { return math.Round((lo+r.Float64()*(hi-lo))*1e4) / 1e4 }
	switch r.IntN(3) {
	case 0:
		f.Latency = Fixed(time.Duration(1+r.IntN(5)) * time.Millisecond)
	case 1:
		f.Latency = Uniform(100*time.Microsecond, time.Duration(1+r.IntN(20))*time.Millisecond)
	default:
		f.Latency = LongTail(time.Duration(1+r.IntN(5))*time.Millisecond, time.Second)
	}
	if on() {
		f.DropP = rate(0.001, 0.05)
	}
	if on() {
		f.DupP = rate(0.001, 0.05)
	}
	if on() {
		f.SpikeP = rate(0.005, 0.1)
	}
	if on() {
		f.CongestedP = rate(0.001, 0.05)
	}
	if on() {
		f.NotReadyP = rate(0.001, 0.02)
	}
	if on() {
		f.PartitionEvery = time.Duration(5+r.IntN(120)) * time.Second
	}
	if on() {
		f.ClogEvery = time.Duration(2+r.IntN(60)) * time.Second
	}
	if r.IntN(4) == 0 {
		f.LinkCapacity = 16 << r.IntN(4)
	}
	return f
}

// Validate checks the invariants of every field.
func (f *Faults) Validate() error {
	for _, p := range []struct {
		key string
		v   float64
	}{{"net.drop", f.DropP}, {"net.dup", f.DupP}, {"net.spike", f.SpikeP}, {"net.congested", f.CongestedP}, {"net.not-ready", f.NotReadyP}} {
		if !(p.v >= 0 && p.v <= 1) { // written so that NaN fails too
			return fmt.Errorf("%s = %v: network fault probabilities must be in [0, 1]", p.key, p.v)
		}
	}
	if f.LinkCapacity < 1 {
		return fmt.Errorf("net.link-capacity must be >= 1")
	}
	if f.PartitionEvery < 0 || f.ClogEvery < 0 {
		return fmt.Errorf("fault intervals must not be negative")
	}
	return nil
}

// Keys returns the configuration keys of the network's faults.
func Keys() []knob.Key[Faults] {
	return []knob.Key[Faults]{
		distKey("net.latency", "delivery delay of every message", func(f *Faults) *Dist { return &f.Latency }),
		knob.Prob("net.drop", "probability a message is lost", func(f *Faults) *float64 { return &f.DropP }),
		knob.Prob("net.dup", "probability a message is delivered twice", func(f *Faults) *float64 { return &f.DupP }),
		knob.Prob("net.spike", "probability a message gets an extra delay", func(f *Faults) *float64 { return &f.SpikeP }),
		distKey("net.spike-delay", "the extra delay of a spike", func(f *Faults) *Dist { return &f.Spike }),
		knob.Prob("net.congested", "probability a send fails at once with ErrCongested", func(f *Faults) *float64 { return &f.CongestedP }),
		knob.Prob("net.not-ready", "probability a send fails at once with ErrNotReady", func(f *Faults) *float64 { return &f.NotReadyP }),
		knob.Int("net.link-capacity", "messages in flight per link and stream before ErrCongested", 1, 1<<30, func(f *Faults) *int { return &f.LinkCapacity }),
		knob.Duration("net.partition-every", "mean time between random partitions (0s: off)", true, func(f *Faults) *time.Duration { return &f.PartitionEvery }),
		distKey("net.partition-for", "length of a random partition", func(f *Faults) *Dist { return &f.PartitionFor }),
		knob.Duration("net.clog-every", "mean time between random node clogs (0s: off)", true, func(f *Faults) *time.Duration { return &f.ClogEvery }),
		distKey("net.clog-for", "length of a random clog", func(f *Faults) *Dist { return &f.ClogFor }),
	}
}

func distKey(name, doc string, field func(*Faults) *Dist) knob.Key[Faults] {
	return knob.Key[Faults]{Name: name, Doc: doc,
		Get: func(f *Faults) string { return field(f).String() },
		Set: func(f *Faults, s string) error {
			d, err := ParseDist(s)
			if err != nil {
				return err
			}
			*field(f) = d
			return nil
		}}
}
