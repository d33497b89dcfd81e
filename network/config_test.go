package network_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/knob"
	"github.com/cdcsim/cdcsim/network"
	"github.com/stretchr/testify/require"
)

// Samples stay within each distribution's bounds and cover them: a
// uniform reaches both ends, a long tail sits around its median, has a
// tail, and never passes its cap.
func TestDistSampleBounds(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		d      network.Dist
		lo, hi time.Duration // every sample in [lo, hi]
		spans  bool          // the samples come within 1% of both ends
		median time.Duration // if set, the sample median is within 20% of it
	}{
		{d: network.Fixed(5 * ms), lo: 5 * ms, hi: 5 * ms, spans: true},
		{d: network.Fixed(0), lo: 0, hi: 0, spans: true},
		{d: network.Uniform(ms, 10*ms), lo: ms, hi: 10 * ms, spans: true},
		{d: network.Uniform(3*ms, 3*ms), lo: 3 * ms, hi: 3 * ms, spans: true},
		{d: network.Uniform(5*ms, ms), lo: 5 * ms, hi: 5 * ms}, // inverted: its low end
		{d: network.LongTail(2*ms, 500*ms), lo: 1, hi: 500 * ms, median: 2 * ms},
		{d: network.LongTail(2*ms, 5*ms), lo: 1, hi: 5 * ms, median: 2 * ms},
	} {
		t.Run(tc.d.String(), func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			var xs []time.Duration
			for range 20000 {
				x := tc.d.Sample(r)
				require.GreaterOrEqual(t, x, tc.lo)
				require.LessOrEqual(t, x, tc.hi)
				xs = append(xs, x)
			}
			slices.Sort(xs)
			if tc.spans {
				slack := (tc.hi - tc.lo) / 100
				require.LessOrEqual(t, xs[0], tc.lo+slack)
				require.GreaterOrEqual(t, xs[len(xs)-1], tc.hi-slack)
			}
			if tc.median != 0 {
				med := xs[len(xs)/2]
				require.InDelta(t, float64(tc.median), float64(med), 0.2*float64(tc.median))
				if tc.d.B >= 10*tc.d.A {
					require.Greater(t, xs[len(xs)*99/100], 4*tc.median, "a long tail has a tail")
				} else {
					require.Equal(t, tc.d.B, xs[len(xs)-1], "a low cap is reached")
				}
			}
		})
	}
}

func TestParseDistRoundTrip(t *testing.T) {
	for _, d := range []network.Dist{
		network.Fixed(0), network.Fixed(5 * time.Millisecond), network.Fixed(90 * time.Second),
		network.Uniform(500*time.Microsecond, 2*time.Millisecond), network.Uniform(time.Second, time.Second),
		network.LongTail(2*time.Millisecond, time.Second), network.LongTail(1500*time.Nanosecond, time.Hour),
	} {
		got, err := network.ParseDist(d.String())
		require.NoError(t, err, d.String())
		require.Equal(t, d, got)
		require.Equal(t, d.String(), got.String())
	}
	for s, want := range map[string]network.Dist{
		"fixed(5ms)":              network.Fixed(5 * time.Millisecond),
		" uniform( 1ms , 2ms ) ":  network.Uniform(time.Millisecond, 2*time.Millisecond),
		"longtail(2ms,500ms)":     network.LongTail(2*time.Millisecond, 500*time.Millisecond),
		"uniform(1.5s,1m30s)":     network.Uniform(1500*time.Millisecond, 90*time.Second),
		"longtail(0s,0s)":         network.LongTail(0, 0),
		"fixed(1h2m3s4ms5us6ns)":  network.Fixed(time.Hour + 2*time.Minute + 3*time.Second + 4*time.Millisecond + 5*time.Microsecond + 6),
		"uniform(100us,100.0us)":  network.Uniform(100*time.Microsecond, 100*time.Microsecond),
		"longtail(1ms,1000000ns)": network.LongTail(time.Millisecond, time.Millisecond),
	} {
		got, err := network.ParseDist(s)
		require.NoError(t, err, s)
		require.Equal(t, want, got, s)
	}
	for _, bad := range []string{
		"", "fixed", "fixed(", "fixed()", "fixed(5)", "fixed(5ms", "fixed 5ms", "fixed(1ms,2ms)",
		"uniform(1ms)", "uniform(2ms,1ms)", "uniform(1ms,2ms,3ms)", "longtail(5ms,1ms)", "longtail(1ms)",
		"gauss(1ms)", "FIXED(1ms)", "fixed(-1ms)", "uniform(-1ms,1ms)", "fixed(1parsec)", "fixed(5ms)x",
	} {
		_, err := network.ParseDist(bad)
		require.Error(t, err, "%q", bad)
		require.ErrorContains(t, err, "want fixed(D), uniform(LO,HI) or longtail(MEDIAN,CAP)", "%q", bad)
	}
}

func TestPresetFaults(t *testing.T) {
	var prev network.Faults
	for i, p := range network.Presets {
		f, err := network.PresetFaults(p)
		require.NoError(t, err, p)
		require.NoError(t, f.Validate(), p)
		if i > 0 {
			require.GreaterOrEqual(t, f.DropP, prev.DropP, "presets go from mildest to harshest")
			require.NotEqual(t, prev, f)
		}
		prev = f
	}
	none, _ := network.PresetFaults(network.PresetNone)
	require.Zero(t, none.DropP+none.DupP+none.SpikeP+none.CongestedP+none.NotReadyP)
	require.Zero(t, none.PartitionEvery+none.ClogEvery)

	_, err := network.PresetFaults("bogus")
	require.EqualError(t, err, `unknown preset "bogus"; known presets: none, lite, default, harsh`)
}

// Swarm draws differ across seeds, repeat for a seed, always validate,
// and switch each fault kind both on and off across seeds.
func TestSwarmFaults(t *testing.T) {
	draw := func(seed uint64) network.Faults { return network.SwarmFaults(rand.New(rand.NewPCG(seed, 0))) }
	distinct := map[string]bool{}
	on := map[string]int{}
	const seeds = 200
	for seed := range uint64(seeds) {
		f := draw(seed)
		require.NoError(t, f.Validate(), "seed %d", seed)
		require.Equal(t, f, draw(seed), "seed %d draws the same twice", seed)
		distinct[fmt.Sprintf("%+v", f)] = true
		for name, v := range map[string]bool{
			"drop": f.DropP > 0, "dup": f.DupP > 0, "spike": f.SpikeP > 0, "congested": f.CongestedP > 0,
			"not-ready": f.NotReadyP > 0, "partitions": f.PartitionEvery > 0, "clogs": f.ClogEvery > 0,
			"small-capacity": f.LinkCapacity < 4096, "fixed": f.Latency.Kind == network.DistFixed,
			"uniform": f.Latency.Kind == network.DistUniform, "longtail": f.Latency.Kind == network.DistLongTail,
		} {
			if v {
				on[name]++
			}
		}
	}
	require.Greater(t, len(distinct), seeds*9/10, "draws should differ across seeds")
	for _, name := range []string{"drop", "dup", "spike", "congested", "not-ready", "partitions", "clogs", "small-capacity", "fixed", "uniform", "longtail"} {
		require.Positive(t, on[name], "%s is never on", name)
		require.Less(t, on[name], seeds, "%s is always on", name)
	}
}

func TestFaultsValidate(t *testing.T) {
	base, err := network.PresetFaults(network.PresetHarsh)
	require.NoError(t, err)
	require.NoError(t, base.Validate())
	for _, tc := range []struct {
		name string
		set  func(*network.Faults)
		want string
	}{
		{"drop below 0", func(f *network.Faults) { f.DropP = -0.01 }, "net.drop"},
		{"drop above 1", func(f *network.Faults) { f.DropP = 1.01 }, "net.drop"},
		{"drop NaN", func(f *network.Faults) { f.DropP = math.NaN() }, "net.drop"},
		{"dup", func(f *network.Faults) { f.DupP = 2 }, "net.dup"},
		{"spike", func(f *network.Faults) { f.SpikeP = -1 }, "net.spike"},
		{"congested", func(f *network.Faults) { f.CongestedP = math.Inf(1) }, "net.congested"},
		{"not ready", func(f *network.Faults) { f.NotReadyP = 1.5 }, "net.not-ready"},
		{"capacity 0", func(f *network.Faults) { f.LinkCapacity = 0 }, "net.link-capacity must be >= 1"},
		{"capacity negative", func(f *network.Faults) { f.LinkCapacity = -3 }, "net.link-capacity must be >= 1"},
		{"partition interval", func(f *network.Faults) { f.PartitionEvery = -time.Second }, "must not be negative"},
		{"clog interval", func(f *network.Faults) { f.ClogEvery = -time.Second }, "must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := base
			tc.set(&f)
			err := f.Validate()
			require.Error(t, err)
			require.ErrorContains(t, err, tc.want)
		})
	}
	for _, edge := range []func(*network.Faults){
		func(f *network.Faults) { f.DropP, f.DupP, f.SpikeP, f.CongestedP, f.NotReadyP = 0, 1, 0, 1, 0 },
		func(f *network.Faults) { f.LinkCapacity = 1 },
		func(f *network.Faults) { f.PartitionEvery, f.ClogEvery = 0, 0 },
	} {
		f := base
		edge(&f)
		require.NoError(t, f.Validate())
	}
}

// Every key prints a value that sets back to the same configuration, a
// good value lands in its field, and a bad one is refused with a message
// that says what is wanted, leaving the configuration as it was.
func TestKeys(t *testing.T) {
	keys := network.Keys()
	names := knob.Names(keys)
	require.Len(t, names, 12)
	for _, n := range names {
		require.True(t, strings.HasPrefix(n, "net."), n)
	}
	require.Len(t, slices.Compact(slices.Sorted(slices.Values(names))), len(names), "names are unique")

	for _, p := range network.Presets {
		f, _ := network.PresetFaults(p)
		for _, k := range keys {
			back := f
			require.NoError(t, k.Set(&back, k.Get(&f)), "%s %s", p, k.Name)
			require.Equal(t, f, back, "%s: %s=%s does not round-trip", p, k.Name, k.Get(&f))
		}
	}
	// A swarm draw's four-decimal rates round-trip too.
	for seed := range uint64(50) {
		f := network.SwarmFaults(rand.New(rand.NewPCG(seed, 1)))
		var back network.Faults
		for _, k := range keys {
			require.NoError(t, k.Set(&back, k.Get(&f)), k.Name)
		}
		require.Equal(t, f, back, "seed %d", seed)
	}

	for _, tc := range []struct {
		key, value string
		check      func(f network.Faults) bool
	}{
		{"net.latency", "uniform(1ms,2ms)", func(f network.Faults) bool {
			return f.Latency == network.Uniform(time.Millisecond, 2*time.Millisecond)
		}},
		{"net.drop", "0.25", func(f network.Faults) bool { return f.DropP == 0.25 }},
		{"net.dup", "1", func(f network.Faults) bool { return f.DupP == 1 }},
		{"net.spike", "0", func(f network.Faults) bool { return f.SpikeP == 0 }},
		{"net.spike-delay", "fixed(1s)", func(f network.Faults) bool { return f.Spike == network.Fixed(time.Second) }},
		{"net.congested", "0.5", func(f network.Faults) bool { return f.CongestedP == 0.5 }},
		{"net.not-ready", "0.125", func(f network.Faults) bool { return f.NotReadyP == 0.125 }},
		{"net.link-capacity", "7", func(f network.Faults) bool { return f.LinkCapacity == 7 }},
		{"net.partition-every", "0s", func(f network.Faults) bool { return f.PartitionEvery == 0 }},
		{"net.partition-for", "longtail(1s,1m0s)", func(f network.Faults) bool {
			return f.PartitionFor == network.LongTail(time.Second, time.Minute)
		}},
		{"net.clog-every", "90s", func(f network.Faults) bool { return f.ClogEvery == 90*time.Second }},
		{"net.clog-for", "fixed(250ms)", func(f network.Faults) bool { return f.ClogFor == network.Fixed(250*time.Millisecond) }},
	} {
		f, _ := network.PresetFaults(network.PresetDefault)
		require.NoError(t, knob.Set(keys, &f, tc.key, tc.value), tc.key)
		require.True(t, tc.check(f), "%s=%s: %+v", tc.key, tc.value, f)
		require.NoError(t, f.Validate())
	}

	for _, tc := range []struct{ key, value, want string }{
		{"net.drop", "1.5", `bad value "1.5" for net.drop: want a probability in [0, 1]`},
		{"net.drop", "-0.1", `bad value "-0.1" for net.drop: want a probability in [0, 1]`},
		{"net.dup", "often", `bad value "often" for net.dup: want a probability in [0, 1]`},
		{"net.latency", "gauss(1ms)", `bad value "gauss(1ms)" for net.latency: want fixed(D), uniform(LO,HI) or longtail(MEDIAN,CAP)`},
		{"net.spike-delay", "uniform(2ms,1ms)", `LO <= HI`},
		{"net.partition-for", "fixed(1s", `bad value "fixed(1s" for net.partition-for`},
		{"net.link-capacity", "0", `bad value "0" for net.link-capacity: want an integer in [1, 1073741824]`},
		{"net.link-capacity", "lots", `want an integer in [1, 1073741824]`},
		{"net.partition-every", "-1s", `bad value "-1s" for net.partition-every: want a Go duration such as 90s`},
		{"net.clog-every", "5", `want a Go duration such as 90s`},
		{"net.bogus", "1", `unknown configuration key "net.bogus"; known keys: net.latency, net.drop`},
	} {
		f, _ := network.PresetFaults(network.PresetDefault)
		before := f
		err := knob.Set(keys, &f, tc.key, tc.value)
		require.ErrorContains(t, err, tc.want, "%s=%s", tc.key, tc.value)
		require.Equal(t, before, f, "a refused value changes nothing")
	}
}
