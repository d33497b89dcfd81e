package dst

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cdcsim/cdcsim/internal/mutate"
)

// MutateFormatVersion is the format of dst mutate's results file,
// stamped in its header as "mutate".
const MutateFormatVersion = 1

// MutateHeader is the first line of a dst mutate results file: what
// decides which mutants run and how each is swept, so --resume runs the
// same mutants the same way.
type MutateHeader struct {
	Mutate int `json:"mutate"`
	// Binary is the version of the unmutated test binary: the model's
	// sources, whose mutants the file holds.
	Binary    string   `json:"binary"`
	Pkg       string   `json:"pkg"`
	Targets   string   `json:"targets"`
	Operators string   `json:"operators,omitempty"`
	IDs       string   `json:"ids,omitempty"`
	Skip      string   `json:"skip,omitempty"`
	Workloads []string `json:"workloads"`
	Seeds     int      `json:"seeds"`
	Start     uint64   `json:"start"`
	Sample    int      `json:"sample,omitempty"`
	Seed      uint64   `json:"seed"`
	Set       []string `json:"set"`
	Time      string   `json:"time"`
	Started   string   `json:"started"`
	// Coverage says unreached mutants were recorded without a sweep.
	Coverage bool `json:"coverage,omitempty"`
}

// Mutant outcomes.
const (
	OutcomeKilled      = "killed"
	OutcomeSurvived    = "survived"
	OutcomeTimeout     = "timeout"
	OutcomeNotCompiled = "not-compiled"
	OutcomeEquivalent  = "equivalent"
	// OutcomeUnreached: the coverage sweep of the unmutated model ran
	// the mutant's line on no seed (mutate_cover.go), so it was not swept.
	OutcomeUnreached = "unreached"
)

// MutantResult is one mutant's line: the mutant and what its sweep
// found.
type MutantResult struct {
	mutate.Mutant
	// Outcome is one of the Outcome constants. A timeout depends on wall
	// time, so on the machine and its load; every other outcome is a
	// function of the mutant and the flags.
	Outcome string `json:"outcome"`
	// Workload, Seed, Kind and Message describe the first failing seed
	// of a killed mutant (Message: the failure's first line, the
	// invariant or goal that fired, or the panic); Message also says why
	// a mutant did not compile or timed out.
	Workload string `json:"workload,omitempty"`
	Seed     uint64 `json:"seed,omitempty"`
	Kind     string `json:"kind,omitempty"`
	Message  string `json:"message,omitempty"`
	// Set is the pins of the sweep that killed it: "patch=..." when it
	// took the sweep with its patch off.
	Set []string `json:"set,omitempty"`
	// PatchOffSwept says the mutant was also swept with PatchOff off.
	PatchOffSwept bool `json:"patch_off_swept,omitempty"`
	// BaselineFails is set on a killed mutant whose killing seed fails
	// on the unmutated model as well: not a kill to trust.
	BaselineFails bool `json:"baseline_fails,omitempty"`
	// WorkloadsSkipped counts the workloads the sweep with the workloads'
	// pins left out because none of their seeds runs the mutated line
	// (mutate_cover.go, "Selecting workloads by coverage").
	WorkloadsSkipped int `json:"workloads_skipped,omitempty"`
	// SeedsRun counts the seeds run, over both sweeps.
	SeedsRun int   `json:"seeds_run"`
	WallNS   int64 `json:"wall_ns"`
	// Reason is the equivalence file's reason for an equivalent mutant.
	Reason string `json:"reason,omitempty"`
}

func (f *mutateFlags) header(bin *Binary, ws []Workload) *MutateHeader {
	set := []string(f.set)
	if set == nil {
		set = []string{}
	}
	return &MutateHeader{Mutate: MutateFormatVersion, Binary: bin.Version, Pkg: f.pkg, Targets: f.targets,
		Operators: f.operators, IDs: f.ids, Skip: f.skip, Workloads: names(ws), Seeds: f.seeds, Start: f.start,
		Sample: f.sample, Seed: f.seed, Set: set, Time: f.budget.String(), Started: time.Now().UTC().Format(time.RFC3339),
		Coverage: f.coverage}
}

// fromHeader takes the run's flags from a results file's header.
func (f *mutateFlags) fromHeader(h *MutateHeader) {
	f.pkg, f.targets, f.operators, f.ids, f.skip = h.Pkg, h.Targets, h.Operators, h.IDs, h.Skip
	f.seeds, f.start, f.sample, f.seed, f.set, f.coverage = h.Seeds, h.Start, h.Sample, h.Seed, h.Set, h.Coverage
	if d, err := time.ParseDuration(h.Time); err == nil && !f.given["time"] {
		f.budget = d
	}
	f.resumeHeader = h
}

// openReport creates --json or appends to --resume (after checking that
// the model has not changed since); nil when neither was given.
func (f *mutateFlags) openReport(h *MutateHeader) (*Writer, error) {
	if f.resume != "" {
		if old := f.resumeHeader; old.Binary != h.Binary {
			return nil, usagef("%s was written for test binary version %.16s; %s builds version %.16s now (the sources changed): its mutants are not these", f.resume, old.Binary, h.Pkg, h.Binary)
		}
		return Append(f.resume)
	}
	if f.json == "" {
		return nil, nil
	}
	file, err := os.OpenFile(f.json, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o644)
	if os.IsExist(err) {
		return nil, usagef("results file %s exists: continue it with --resume %s, or remove it", f.json, f.json)
	}
	if err != nil {
		return nil, err
	}
	w := &Writer{f: file, lastSync: time.Now()}
	if err := w.writeLine(h); err != nil {
		file.Close()
		return nil, err
	}
	return w, nil
}

// ReadMutateReport reads a dst mutate results file, refusing one that
// is truncated, corrupt or of another format, with the line.
func ReadMutateReport(path string) (*MutateHeader, []MutantResult, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, usagef("--resume: %v", err)
	}
	return parseMutateReport(path, data)
}

// parseMutateReport parses the bytes of a dst mutate results file; path
// names it in the errors.
func parseMutateReport(path string, data []byte) (*MutateHeader, []MutantResult, error) {
	if len(data) > 0 && data[len(data)-1] != '\n' {
		return nil, nil, usagef("%s: the last line is truncated (no newline): remove it to resume", path)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	var h *MutateHeader
	var out []MutantResult
	for line := 1; sc.Scan(); line++ {
		if line == 1 {
			h = &MutateHeader{}
			if err := json.Unmarshal(sc.Bytes(), h); err != nil || h.Mutate != MutateFormatVersion {
				return nil, nil, usagef("%s:1: not a dst mutate results file of format %d", path, MutateFormatVersion)
			}
			continue
		}
		var r MutantResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil || r.ID == "" || r.Outcome == "" {
			return nil, nil, usagef("%s:%d: not a mutant's result line", path, line)
		}
		out = append(out, r)
	}
	if h == nil {
		return nil, nil, usagef("%s: empty", path)
	}
	return h, out, sc.Err()
}

// replayLine is the command that runs a killed mutant's failing seed
// with its trace.
func (r *MutantResult) replayLine(pkg string) string {
	var b strings.Builder
	if pkg != DefaultPkg {
		pkg = " --pkg " + quoteArg(pkg)
	} else {
		pkg = ""
	}
	fmt.Fprintf(&b, "go run ./cmd/dst mutate%s --target %s --id %s --replay %s", pkg, quoteArg(r.Pkg), r.ID, quoteArg(r.Workload+":"+strconv.FormatUint(r.Seed, 10)))
	for _, p := range r.Set {
		b.WriteString(" --set " + quoteArg(p))
	}
	return b.String()
}
