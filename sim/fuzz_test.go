package sim

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/cdcsim/cdcsim/fault"
)

// The fuzz targets of the configuration's parsers: -sim.set pins (every
// key's setter, the fault.NAME site pins among them), the printed block
// they must reproduce, and -sim.seed. make fuzz runs each for a while;
// plain go test runs their seed corpora (the f.Add calls, and any
// input a fuzzer once failed on, kept in testdata/fuzz/FuzzX/).

// blockPins turns a printed configuration block ("key = value" lines)
// back into pins, in print order: the block is what a failure prints, and
// a user pins it back line by line.
func blockPins(t *testing.T, block string) Pins {
	var p Pins
	for line := range strings.Lines(block) {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("printed line %q is not key = value", line)
		}
		p = append(p, strings.TrimSpace(k)+"="+strings.TrimSpace(v))
	}
	return p
}

// FuzzConfigPins applies arbitrary -sim.set pins (one per line) over a
// seed's derived configuration. A bad pin must be an error, never a
// panic; a configuration they make must print as a block that, pinned
// back in order over a zero-seed default, gives an equal Config and the
// same block, and its pins without the seed (ConfigPins, what dst's
// guided sweep mutates) reproduce it over its seed's derivation too.
func FuzzConfigPins(f *testing.F) {
	f.Add(uint64(1), "faults=lite")
	f.Add(uint64(7), "patch=\nbug=f1-retry-unlocked\nnet.latency=longtail(1ms,1s)")
	f.Add(uint64(3), "faults=harsh\nnet.drop=0.5\nbuggify.p=1\nnode.restart-after=uniform(1s,20s)")
	f.Add(uint64(9), "strategy=pct\npct.depth=4\nbudget.wall=3s\nbudget.time=1h")
	f.Add(uint64(2), "seed=0x10\nfaults=swarm\nnet.clog-every=0s\nnet.partition-for=fixed(5ms)")
	f.Add(uint64(5), "net.link-capacity=16\nnet.spike-delay=longtail(2ms,500ms)\nnode.crash-every=2m")
	for i, info := range fault.Sites() {
		f.Add(uint64(i), fmt.Sprintf("buggify.p=0.25\nfault.%s=0.5\nbuggify.q=0.01", info.Name))
	}
	f.Fuzz(func(t *testing.T, seed uint64, pins string) {
		c := DeriveConfig(seed)
		if Pins(strings.Split(pins, "\n")).Apply(&c) != nil || c.Validate() != nil {
			return // refused, as it may be; a panic would have failed
		}
		block := c.String()
		back := DefaultConfig(0)
		if err := blockPins(t, block).Apply(&back); err != nil {
			t.Fatalf("the printed block does not pin back: %v\n%s", err, block)
		}
		if back.String() != block {
			t.Fatalf("block pinned back prints differently:\n%s\nvs\n%s", block, back.String())
		}
		if !reflect.DeepEqual(back, c) {
			t.Fatalf("block pinned back gives another Config:\n%#v\nvs\n%#v", back, c)
		}
		guided := DeriveConfig(c.Seed)
		if err := Pins(ConfigPins(c)).Apply(&guided); err != nil {
			t.Fatalf("ConfigPins do not pin back: %v", err)
		}
		if !reflect.DeepEqual(guided, c) {
			t.Fatalf("ConfigPins pinned back give another Config:\n%s\nvs\n%s", guided, c)
		}
	})
}

// FuzzConfigSet sets one key to an arbitrary value. A refused value
// leaves the configuration as it was; an accepted one prints back (Get)
// as a value that sets the key to the same printed value again, on the
// same configuration (printing is a fixed point of parsing).
func FuzzConfigSet(f *testing.F) {
	for i, k := range Keys() {
		c := DeriveConfig(uint64(i))
		v, _ := c.Get(k)
		f.Add(uint64(i), k, v)
	}
	f.Add(uint64(1), "seed", "0xFFFFFFFFFFFFFFFF")
	f.Add(uint64(1), "net.latency", "uniform( 1ms , 2ms )")
	f.Add(uint64(1), "budget.wall", "-1s")
	f.Add(uint64(1), "net.drop", "NaN")
	f.Add(uint64(1), "pct.steps", "1099511627776")
	f.Add(uint64(1), "patch", " h3 , h3 ")
	f.Fuzz(func(t *testing.T, seed uint64, key, value string) {
		c := DeriveConfig(seed)
		before := c.String()
		if err := c.Set(key, value); err != nil {
			if c.String() != before {
				t.Fatalf("a refused %s=%q changed the configuration", key, value)
			}
			return
		}
		printed, ok := c.Get(key)
		if !ok {
			t.Fatalf("key %q was set but has no value", key)
		}
		again := c
		if err := again.Set(key, printed); err != nil {
			t.Fatalf("%s=%q printed as %q, which is refused: %v", key, value, printed, err)
		}
		if got, _ := again.Get(key); got != printed {
			t.Fatalf("%s=%q printed as %q, which prints as %q", key, value, printed, got)
		}
	})
}

// FuzzParseSeed parses arbitrary seeds. An accepted seed prints, in
// decimal and in 0x hex, as strings that parse to the same seed.
func FuzzParseSeed(f *testing.F) {
	for _, s := range []string{"0", "1", "42", "0x2a", "0X2A", "18446744073709551615", "0xffffffffffffffff",
		"18446744073709551616", "-1", "+1", "1_000", "0x", "", " 1", "0b101", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseSeed(s)
		if err != nil {
			if v != 0 {
				t.Fatalf("refused %q but returned %d", s, v)
			}
			return
		}
		for _, p := range []string{strconv.FormatUint(v, 10), "0x" + strconv.FormatUint(v, 16)} {
			if w, err := ParseSeed(p); err != nil || w != v {
				t.Fatalf("%q parsed as %d, printed %q, which parses as %d (%v)", s, v, p, w, err)
			}
		}
	})
}

// FuzzParseDecisions parses arbitrary decision files. A bad file must be
// a *DecisionFileError naming the file, never a panic; an accepted file
// writes out as text that parses back to an equal file and writes out
// the same again.
func FuzzParseDecisions(f *testing.F) {
	good := "cdcsim-decisions 1\nworkload TestX\nseed 7\nbinary -\nset bug=x\nstream 0 net\nstream 1 \"a b\"\n0 0 c ff\n3 1 p - t4/2@1000\nend 2 -\n"
	for _, s := range []string{good, strings.TrimSuffix(good, "end 2 -\n"), good[:40], "cdcsim-decisions 2\n",
		strings.Replace(good, "end 2 -", "end 2 0123456789abcdef", 1), "", "cdcsim-decisions 1\nend 0 -\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDecisions("fuzz", strings.NewReader(s))
		if err != nil {
			var de *DecisionFileError
			if !errors.As(err, &de) || !strings.HasPrefix(err.Error(), "fuzz") {
				t.Fatalf("error %v is not a DecisionFileError naming the file", err)
			}
			return
		}
		var a, b bytes.Buffer
		if err := d.Write(&a); err != nil {
			t.Fatal(err)
		}
		again, err := ParseDecisions("again", bytes.NewReader(a.Bytes()))
		if err != nil {
			t.Fatalf("%q parsed, but its rewrite %q does not: %v", s, a.String(), err)
		}
		if !reflect.DeepEqual(d, again) {
			t.Fatalf("%q parsed back otherwise from %q", s, a.String())
		}
		if again.Write(&b); a.String() != b.String() {
			t.Fatalf("rewrites differ: %q then %q", a.String(), b.String())
		}
	})
}
