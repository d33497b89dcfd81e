package sim

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"testing"
)

// The decision-file flags of sim.Test (decisions.go has the format):
//
//	-sim.record-decisions=FILE  write the run's decisions to FILE (one seed)
//	-sim.decisions=FILE         replay FILE's run: its workload, seed, pins
//	                            and draws (the seed only derives the config)
//	-sim.until=K                with -sim.decisions: replay the draws made
//	                            before step K, then draw afresh
//	-sim.fresh=S                the seed of those fresh draws (default 1)
//	-sim.check-decisions        record each seed, replay the record (written
//	                            and read back), fail if the hashes differ
//
// A replayed file of another workload skips the test, so that
// "go test ./workloads -sim.decisions=FILE" runs the one it names.
var decisionFlags struct {
	replay, record string
	until          uint64
	fresh          uint64
	check          bool
}

func init() {
	flag.StringVar(&decisionFlags.replay, "sim.decisions", "", "replay the run recorded in this decision file instead of drawing from the seed")
	flag.StringVar(&decisionFlags.record, "sim.record-decisions", "", "write the run's decisions (every random draw) to this file; one seed only")
	flag.Uint64Var(&decisionFlags.until, "sim.until", 0, "with -sim.decisions: replay only the draws made before this step, then draw afresh from -sim.fresh")
	flag.Uint64Var(&decisionFlags.fresh, "sim.fresh", 1, "with -sim.until: the seed of the draws after the replayed prefix")
	flag.BoolVar(&decisionFlags.check, "sim.check-decisions", false, "record every seed's decisions, replay them through the decision-file format, and fail on a hash that differs from the seed's")
}

// decisionRun is what the flags ask of one sim.Test; nil when they ask
// nothing, and then every method is a no-op.
type decisionRun struct {
	file    *DecisionFile // replayed, or nil
	version string        // the test binary's sha256
}

// loadDecisionRun reads the flags. A file that cannot be read, or flags
// that contradict each other, end the binary with status 2 (usageExit):
// a truncated file, or one of another version, must not run as a
// shorter or different run.
func loadDecisionRun(t *testing.T) *decisionRun {
	f := &decisionFlags
	if f.replay == "" && f.record == "" && !f.check {
		if f.until != 0 {
			usageExit(errors.New("-sim.until needs -sim.decisions"))
		}
		return nil
	}
	dr := &decisionRun{version: binaryVersion()}
	if f.replay != "" {
		file, err := LoadDecisions(f.replay)
		if err != nil {
			usageExit(fmt.Errorf("-sim.decisions: %w", err))
		}
		if file.Workload != t.Name() {
			t.Skipf("decision file %s replays %s, not this test", f.replay, file.Workload)
		}
		if file.Binary != "" && file.Binary != dr.version {
			t.Logf("warning: %s was recorded by test binary %.16s, this is %.16s: the run may differ", f.replay, file.Binary, dr.version)
		}
		dr.file = file
	}
	return dr
}

// seeds narrows the selected seeds to the file's, and refuses recording
// more than one seed into one file.
func (dr *decisionRun) seeds(selected []uint64) ([]uint64, error) {
	if dr == nil {
		return selected, nil
	}
	if dr.file != nil {
		if flags.seed.set && flags.seed.v != dr.file.Seed {
			return nil, fmt.Errorf("-sim.seed=%d and the decision file's seed %d differ: give one", flags.seed.v, dr.file.Seed)
		}
		return []uint64{dr.file.Seed}, nil
	}
	if len(selected) != 1 && decisionFlags.record != "" {
		return nil, fmt.Errorf("-sim.record-decisions records one run: give -sim.seed (%d seeds selected)", len(selected))
	}
	return selected, nil
}

// pins are the file's pins, applied before the command line's.
func (dr *decisionRun) pins() Pins {
	if dr == nil || dr.file == nil {
		return nil
	}
	return dr.file.Pins
}

// decide is the run's decision source.
func (dr *decisionRun) decide() Decide {
	if dr == nil {
		return Decide{}
	}
	d := Decide{Replay: dr.file, Record: decisionFlags.record != "" || decisionFlags.check}
	if dr.file != nil {
		d.Until, d.FreshSeed = decisionFlags.until, decisionFlags.fresh
	}
	return d
}

// finish checks a replay's hash against the file's and writes the record.
func (dr *decisionRun) finish(t *testing.T, res *Result, cfg Config) {
	if dr == nil {
		return
	}
	if f := dr.file; f != nil && f.Hash != "" && decisionFlags.until == 0 {
		if got := hex16(res.Hash); got != f.Hash {
			t.Errorf("replay of %s hashed %s; the run that wrote it hashed %s: nondeterminism, or another binary", decisionFlags.replay, got, f.Hash)
		} else {
			t.Logf("replayed %s: hash %s, as recorded", decisionFlags.replay, got)
		}
	}
	if decisionFlags.record == "" || res.Decisions == nil {
		return
	}
	rec := res.Decisions
	rec.Workload, rec.Binary = t.Name(), dr.version
	rec.Pins = append(append(Pins{}, dr.pins()...), flags.pins.Pins...)
	if err := rec.WriteFile(decisionFlags.record); err != nil {
		t.Fatalf("-sim.record-decisions: %v", err)
	}
	t.Logf("wrote %d decisions (%d streams) to %s", len(rec.Decisions), len(rec.Streams), decisionFlags.record)
}

// check replays a seed run's record, written out and parsed back, and
// returns a nondeterminism failure if the replay hashes differently:
// -sim.check-decisions, the proof that a decision file is the run.
func (dr *decisionRun) check(cfg Config, body func(*World), res *Result) *Failure {
	if dr == nil || !decisionFlags.check || dr.file != nil || res.Decisions == nil {
		return nil
	}
	var buf bytes.Buffer
	res.Decisions.Workload = "check"
	if err := res.Decisions.Write(&buf); err != nil {
		return &Failure{Kind: KindNondeterminism, Message: "decision file: " + err.Error()}
	}
	file, err := ParseDecisions("record", &buf)
	if err != nil {
		return &Failure{Kind: KindNondeterminism, Message: "decision file does not parse back: " + err.Error()}
	}
	again := runOnce(cfg, body, Decide{Replay: file}, false, nil, nil, nil)
	if again.Hash != res.Hash {
		return &Failure{Kind: KindNondeterminism, Step: again.Steps, Message: fmt.Sprintf(
			"replayed from its %d recorded decisions the seed hashed %016x, from the seed %016x", len(file.Decisions), again.Hash, res.Hash)}
	}
	return nil
}

// decisionReplayLine is the failure report's replay command for a run replayed
// from a decision file, "" for a seed run.
func decisionReplayLine(testName string) string {
	if decisionFlags.replay == "" {
		return ""
	}
	line := fmt.Sprintf("go test %s -run %s -sim.decisions=%s", packageDir(), shellQuote(RunPattern(testName)), shellQuote(decisionFlags.replay))
	if decisionFlags.until != 0 {
		line += fmt.Sprintf(" -sim.until=%d -sim.fresh=%d", decisionFlags.until, decisionFlags.fresh)
	}
	return line + " -sim.trace"
}

// binaryVersion is the sha256 of the running test binary, as dst names a
// binary's version; "" when it cannot be read.
func binaryVersion() string {
	path, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}
