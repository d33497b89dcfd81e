package sim

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
)

// The -sim.* flags select seeds and output for sim.Test. They are parsed
// by the testing package with the test binary's other flags; a malformed
// value is rejected at parse time with an error that names the flag.
var flags struct {
	seed   seedFlag
	seeds  countFlag
	start  seedFlag
	random bool
	trace  bool
	// records names the file -sim.records appends each run's records to.
	records string
	json    string
	// jsonConfig adds each seed's whole configuration to its JSON line.
	jsonConfig bool
	pins       pinsFlag
	recheck    bool
	keepGoing  bool
	describe   bool
}

func init() {
	flag.Var(&flags.seed, "sim.seed", "run only this seed (decimal or 0x hex); replays a failure")
	flag.Var(&flags.seeds, "sim.seeds", "number of seeds to run (default: the test's own count)")
	flag.Var(&flags.start, "sim.start", "first seed of the range (default 1)")
	flag.BoolVar(&flags.random, "sim.random", false, "start the seed range at a fresh random seed")
	flag.BoolVar(&flags.trace, "sim.trace", false, "print the text trace of every run to stdout")
	flag.StringVar(&flags.records, "sim.records", "", "append every run's structured trace records to this file, one JSON object a line (see sim.Record)")
	flag.StringVar(&flags.json, "sim.json", "", "append one JSON result line per seed to this file (- for stdout)")
	flag.BoolVar(&flags.jsonConfig, "sim.json-config", false, "with -sim.json: add each seed's whole configuration (key=value, print order) to its line")
	flag.Var(&flags.pins, "sim.set", "pin a configuration field, key=value (repeatable); see sim.Keys")
	flag.Var(pinAlias{&flags.pins, "bug"}, "sim.bug", "turn on a bug variant by name (comma-separated; same as -sim.set=bug=NAME)")
	flag.Var(pinAlias{&flags.pins, "patch"}, "sim.patch", "turn on a patch variant by name (comma-separated; same as -sim.set=patch=NAME)")
	flag.BoolVar(&flags.recheck, "sim.recheck", false, "run every seed twice and fail on a hash mismatch (determinism check)")
	flag.BoolVar(&flags.keepGoing, "sim.keep-going", false, "run every seed even after a failure")
	flag.BoolVar(&flags.describe, "sim.describe", false, "run nothing: print one 'sim.workload {json}' line per sim.Test and skip it (how cmd/dst discovers workloads)")
}

// Describing reports whether the binary runs with -sim.describe: it only
// lists its workloads. A test that lives beside workloads but is not one
// (a canary with its own seed loop, a corpus replay, anything heavy) skips
// itself in that mode with one line at its top:
//
//	if sim.Describing() { t.Skip("not a workload") }
func Describing() bool { return flags.describe }

// seedFlag is a uint64 seed that remembers whether it was set.
type seedFlag struct {
	v   uint64
	set bool
}

func (f *seedFlag) String() string {
	if f == nil || !f.set {
		return ""
	}
	return strconv.FormatUint(f.v, 10)
}

func (f *seedFlag) Set(s string) error {
	v, err := ParseSeed(s)
	if err != nil {
		return err
	}
	f.v, f.set = v, true
	return nil
}

// countFlag is a positive seed count.
type countFlag struct {
	v   int
	set bool
}

func (f *countFlag) String() string {
	if f == nil || !f.set {
		return ""
	}
	return strconv.Itoa(f.v)
}

func (f *countFlag) Set(s string) error {
	v, err := strconv.Atoi(s)
	if err != nil || v <= 0 {
		return fmt.Errorf("seed count %q is not a positive integer", s)
	}
	f.v, f.set = v, true
	return nil
}

// pinsFlag collects -sim.set settings, checking each against the
// configuration keys as it is parsed.
type pinsFlag struct{ Pins }

func (f *pinsFlag) String() string {
	if f == nil {
		return ""
	}
	return strings.Join(f.Pins, ",")
}

func (f *pinsFlag) Set(s string) error {
	c := DefaultConfig(0)
	if err := (Pins{s}).Apply(&c); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	f.Pins = append(f.Pins, s)
	return nil
}

// pinAlias is a flag that pins one configuration key, so that -sim.bug=x
// is -sim.set=bug=x.
type pinAlias struct {
	pins *pinsFlag
	key  string
}

func (a pinAlias) String() string { return "" }

func (a pinAlias) Set(s string) error { return a.pins.Set(a.key + "=" + s) }
