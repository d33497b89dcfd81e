package dst

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/cdcsim/cdcsim/sim"
)

// This file is what dst shrink --schedule and dst pnr share: running a
// decision file (sim/decisions.go) in a process of the test binary, and
// telling whether a run failed the same way as the one being explained.

// decisionTry is one run of a decision file: the draws before step until
// replayed (0: all of them) and fresh ones from seed fresh after; with
// record, the draws the run actually made come back as a decision file.
type decisionTry struct {
	file   *sim.DecisionFile
	until  uint64
	fresh  uint64
	record bool
	// records, if set, is where the run's structured records go
	// (-sim.records), for explaining the decisions.
	records string
}

// decisionRunner runs one try and returns its result line and, with
// record, the draws served. A runner is a process of the test binary
// (procRunner) or, in tests, a world in this process.
type decisionRunner func(ctx context.Context, t decisionTry) (*Record, *sim.DecisionFile, error)

// procRunner runs tries as processes of bin, each with its own
// temporary files. Extra pins (a step budget) go on every command line.
func procRunner(bin *Binary, extra []string) decisionRunner {
	return func(ctx context.Context, t decisionTry) (*Record, *sim.DecisionFile, error) {
		dir, err := os.MkdirTemp("", "dst-decisions-")
		if err != nil {
			return nil, nil, err
		}
		defer os.RemoveAll(dir)
		in, served := filepath.Join(dir, "in.txt"), filepath.Join(dir, "served.txt")
		if err := t.file.WriteFile(in); err != nil {
			return nil, nil, err
		}
		args := []string{"-sim.decisions=" + in}
		if t.until > 0 {
			args = append(args, fmt.Sprintf("-sim.until=%d", t.until), fmt.Sprintf("-sim.fresh=%d", t.fresh))
		}
		if t.record {
			args = append(args, "-sim.record-decisions="+served)
		}
		if t.records != "" {
			args = append(args, "-sim.records="+t.records)
		}
		rec, err := runSeedArgs(ctx, bin, t.file.Workload, t.file.Seed, extra, args, false, nil, io.Discard, io.Discard)
		if err != nil || !t.record {
			return rec, nil, err
		}
		f, err := sim.LoadDecisions(served)
		return rec, f, err
	}
}

// recordDecisions runs a seed once recording its decisions, and returns
// its result line and its decision file.
func recordDecisions(ctx context.Context, bin *Binary, workload string, seed uint64, pins []string) (*Record, *sim.DecisionFile, error) {
	dir, err := os.MkdirTemp("", "dst-decisions-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "recorded.txt")
	rec, err := runSeedArgs(ctx, bin, workload, seed, pins, []string{"-sim.record-decisions=" + path}, false, nil, io.Discard, io.Discard)
	if err != nil {
		return nil, nil, err
	}
	f, err := sim.LoadDecisions(path)
	return rec, f, err
}

// quotedName is the first double-quoted name of a failure message: the
// invariant, goal or progress check that failed ("I1 no request after
// remove").
var quotedName = regexp.MustCompile(`"([^"]+)"`)

// failureKey says which failure a run had, for "fails the same way": the
// kind and, for a checker or goal, its quoted name; for anything else
// (a panic, a deadlock) the first line of the message with its numbers
// blanked (failureShape), so that the same panic on another dispatcher
// matches.
func failureKey(r *Record) string {
	if !r.Failed() {
		return "pass"
	}
	if m := quotedName.FindStringSubmatch(firstLine(r.Message)); m != nil && (r.Kind == string(sim.KindSafety) || r.Kind == string(sim.KindLiveness)) {
		return r.Kind + ": " + m[1]
	}
	return r.Kind + ": " + failureShape(r.Message)
}

// budgetPin bounds a try's steps: a rewritten schedule that runs far
// longer than the failing run it shrinks (a livelock of defaults) ends
// as a budget failure, not the same failure, and costs little. The pin
// only ends runs; one it does not end hashes as without it.
func budgetPin(steps uint64) string {
	return "budget.steps=" + strconv.FormatUint(max(4*steps, 200_000), 10)
}

// withoutPin returns pins without those of key.
func withoutPin(pins sim.Pins, key string) sim.Pins {
	var out sim.Pins
	for _, p := range pins {
		if k, _, _ := strings.Cut(p, "="); k != key {
			out = append(out, p)
		}
	}
	return out
}

// replayDecisionsLine is the one command that replays a decision file
// with its trace.
func replayDecisionsLine(pkg, workload, path string) string {
	return fmt.Sprintf("go test %s -run '%s' -sim.decisions=%s -sim.trace", pkg, runPattern(workload), quoteArg(path))
}

// writeTemp writes f to a temporary file and returns its path and the
// function that removes it.
func writeTemp(f *sim.DecisionFile) (string, func(), error) {
	dir, err := os.MkdirTemp("", "dst-decisions-")
	if err != nil {
		return "", nil, err
	}
	path := filepath.Join(dir, "decisions.txt")
	if err := f.WriteFile(path); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return path, func() { os.RemoveAll(dir) }, nil
}
