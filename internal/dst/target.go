package dst

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/cdcsim/cdcsim/sim"
)

// seedFlags are the flags of the commands that work on one seed of one
// workload (replay, shrink): which seed, in which package, with which
// settings, either given (--set) or taken from a sweep's report
// (--results).
type seedFlags struct {
	pkg, workload, seed, results, cache *string
	decisions                           *string
	set                                 pinsFlag
}

func addSeedFlags(fs *flag.FlagSet, resultsDoc string) *seedFlags {
	f := &seedFlags{
		pkg:      fs.String("pkg", DefaultPkg, "the workloads package"),
		workload: fs.String("workload", "", "the workload: its full test name, or a regular expression that matches exactly one whole name (required)"),
		seed:     fs.String("seed", "", "the seed (decimal or 0x hex; required)"),
		results:  fs.String("results", "", resultsDoc),
		cache:    fs.String("cache", "", "where built test binaries go"),
		decisions: fs.String("decisions", "", "a decision file (sim -sim.record-decisions, dst shrink --schedule): "+
			"take the workload, seed and settings from it and replay its decisions"),
	}
	fs.Var(&f.set, "set", "pin a configuration key, key=value (repeatable)")
	return f
}

// seedTarget is one seed of one workload, ready to run: the built test
// binary, the pins, and the report they came from, if any.
type seedTarget struct {
	bin      *Binary
	pkg      string
	workload string
	seed     uint64
	pins     []string
	header   *Header // with --results
	records  []Record
	// decisions is the --decisions file, read; decisionsPath its
	// absolute path, which the test binary (run in the package's
	// directory) is given.
	decisions     *sim.DecisionFile
	decisionsPath string
}

// resolve checks the parsed flags of command cmd, reads the results file
// if one was given, builds the package and checks that it has the
// workload. Every problem with what was asked is a usage error.
func (f *seedFlags) resolve(fs *flag.FlagSet, cmd string, stderr io.Writer) (*seedTarget, error) {
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	if *f.decisions != "" {
		return f.resolveDecisions(given, stderr)
	}
	if *f.workload == "" || *f.seed == "" {
		return nil, usagef("%s needs --workload NAME (or a regular expression matching one workload) and --seed S", cmd)
	}
	seed, err := sim.ParseSeed(*f.seed)
	if err != nil {
		return nil, usagef("--seed: %v", err)
	}
	tg := &seedTarget{pkg: *f.pkg, workload: *f.workload, seed: seed, pins: f.set}
	if *f.results != "" {
		if tg.header, tg.records, err = ReadReport(*f.results); err != nil {
			return nil, err
		}
		if given["pkg"] && *f.pkg != tg.header.Pkg {
			return nil, usagef("--pkg %s, but %s was recorded from %s", *f.pkg, *f.results, tg.header.Pkg)
		}
		if len(f.set) > 0 {
			return nil, usagef("--set with --results: the results file fixes the settings (%q)", tg.header.Set)
		}
		tg.pkg, tg.pins = tg.header.Pkg, tg.header.Set
	}
	if err := f.build(tg, stderr); err != nil {
		return nil, err
	}
	if i := slices.IndexFunc(tg.records, func(r Record) bool { return r.Test == tg.workload && r.Seed == seed }); i >= 0 {
		tg.pins = recordHeader(tg.header, &tg.records[i]).Set // a guided child's own pins
	}
	return tg, nil
}

// resolveDecisions takes the workload, seed and pins from the
// --decisions file; --workload and --seed may repeat them, not change
// them, and --set and --results are refused.
func (f *seedFlags) resolveDecisions(given map[string]bool, stderr io.Writer) (*seedTarget, error) {
	file, err := loadDecisionsArg(*f.decisions)
	if err != nil {
		return nil, err
	}
	switch {
	case given["results"] || len(f.set) > 0:
		return nil, usagef("--decisions fixes the settings: drop --results and --set")
	case *f.workload != "" && *f.workload != file.Workload:
		return nil, usagef("--workload %s, but %s replays %s", *f.workload, *f.decisions, file.Workload)
	case *f.seed != "" && *f.seed != strconv.FormatUint(file.Seed, 10):
		return nil, usagef("--seed %s, but %s replays seed %d", *f.seed, *f.decisions, file.Seed)
	}
	path, err := filepath.Abs(*f.decisions)
	if err != nil {
		return nil, err
	}
	tg := &seedTarget{pkg: *f.pkg, workload: file.Workload, seed: file.Seed, decisions: file, decisionsPath: path}
	if err := f.build(tg, stderr); err != nil {
		return nil, err
	}
	if file.Binary != "" && file.Binary != tg.bin.Version {
		fmt.Fprintf(stderr, "dst: warning: %s was recorded by test binary version %.16s; this build is %.16s, so the run may differ\n", *f.decisions, file.Binary, tg.bin.Version)
	}
	return tg, nil
}

// build builds the package and checks that it has the workload, which a
// regular expression may name (SelectOne): tg.workload becomes its name.
func (f *seedFlags) build(tg *seedTarget, stderr io.Writer) error {
	var err error
	if tg.bin, err = Build(tg.pkg, *f.cache, stderr); err != nil {
		return err
	}
	all, err := Discover(tg.bin, io.Discard)
	if err != nil {
		return err
	}
	w, err := SelectOne(all, tg.workload, tg.pkg)
	if err != nil {
		return err
	}
	tg.workload = w.Name
	return nil
}

// extraArgs are the test-binary flags the target adds to a seed's own:
// the decision file it replays, if any.
func (tg *seedTarget) extraArgs() []string {
	if tg.decisions == nil {
		return nil
	}
	return []string{"-sim.decisions=" + tg.decisionsPath}
}
