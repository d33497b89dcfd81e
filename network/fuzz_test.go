package network

import (
	"math/rand/v2"
	"testing"
)

// FuzzParseDist parses arbitrary distributions, as -sim.set net.latency=
// and the printed configuration block give them. A bad one must be an
// error, never a panic; an accepted one prints as a string that parses
// to the same Dist and prints the same (the block pins back), and its
// samples stay in its bounds, never negative.
func FuzzParseDist(f *testing.F) {
	for _, s := range []string{"fixed(5ms)", "uniform(1s,20s)", "longtail(1ms,1s)", "longtail(2ms,500ms)",
		"uniform( 1ms , 10ms )", " fixed(0s) ", "uniform(2s,1s)", "fixed(-1s)", "fixed()", "fixed(1ms,2ms)",
		"uniform(1ms)", "normal(1ms)", "fixed(1h0m0s)", "longtail(9223372036854775807ns,9223372036854775807ns)",
		"fixed(5ms", "(1s)", "uniform(1ms,,2ms)"} {
		f.Add(s, uint64(1))
	}
	f.Fuzz(func(t *testing.T, s string, seed uint64) {
		d, err := ParseDist(s)
		if err != nil {
			if d != (Dist{}) {
				t.Fatalf("refused %q but returned %v", s, d)
			}
			return
		}
		printed := d.String()
		back, err := ParseDist(printed)
		if err != nil || back != d || back.String() != printed {
			t.Fatalf("%q parsed as %#v, printed %q, which parses as %#v (%v)", s, d, printed, back, err)
		}
		hi := d.A
		if d.Kind != DistFixed {
			hi = d.B
		}
		r := rand.New(rand.NewPCG(seed, 0))
		for range 16 {
			if v := d.Sample(r); v < 0 || v > hi || d.Kind == DistUniform && v < d.A {
				t.Fatalf("%s sampled %v, outside its bounds", d, v)
			}
		}
	})
}
