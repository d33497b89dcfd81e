package dst

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"slices"
	"strings"

	"github.com/cdcsim/cdcsim/sim"
)

// Workload is one sim.Test of the binary: a test, or a subtest, that
// hands its body to sim.Test.
type Workload struct {
	// Name is the test's full name, subtests included ("TestProbing/sharing=true").
	Name string
	// Seeds is its own seed count (its sim.Seeds option, else 100).
	Seeds int
}

// Discover lists the workloads of a binary by running every test with
// -sim.describe: sim.Test prints one line and skips instead of running,
// so a workload is found because it exists, with no registration. Tests
// that are not workloads either skip themselves (sim.Describing) or run,
// so they must be cheap. A describe run that fails (a broken unit test)
// is a warning, not an error, as long as it listed workloads.
func Discover(bin *Binary, log io.Writer) ([]Workload, error) {
	cmd := exec.Command(bin.Path, "-test.run", ".", "-test.v", "-sim.describe")
	cmd.Dir = bin.Dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var out []Workload
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), sim.DescribePrefix)
		if !ok {
			continue
		}
		var info sim.WorkloadInfo
		if err := json.Unmarshal([]byte(rest), &info); err != nil {
			return nil, fmt.Errorf("describe line %q: %v", sc.Text(), err)
		}
		if !slices.ContainsFunc(out, func(w Workload) bool { return w.Name == info.Test }) {
			out = append(out, Workload{Name: info.Test, Seeds: info.Seeds})
		}
	}
	if len(out) == 0 {
		msg := fmt.Sprintf("package %s has no workload: none of its tests calls sim.Test (a workload is a test that hands its body to sim.Test; default --pkg %s)", bin.Pkg, DefaultPkg)
		if runErr != nil {
			// A binary that does not import sim refuses -sim.describe.
			msg += fmt.Sprintf("\nlisting its tests failed (%v):\n%s%s", runErr, tail(stdout.String(), 10), tail(stderr.String(), 10))
		}
		return nil, usagef("%s", msg)
	}
	if runErr != nil {
		fmt.Fprintf(log, "dst: warning: listing the workloads of %s also ran tests that failed (%v); the failing tests are not workloads:\n%s", bin.Pkg, runErr, failLines(stdout.String()))
	}
	slices.SortFunc(out, func(a, b Workload) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// ExamplePrefix starts the name of a workload that is an example: a
// test a document shows (the README's TestExampleRestartTable), which a
// sweep leaves out unless --workload asks for it, so that it takes no
// share of the seeds of make run or the nightly sweep.
const ExamplePrefix = "TestExample"

// IsExample reports whether w is an example workload (ExamplePrefix).
func (w Workload) IsExample() bool { return strings.HasPrefix(w.Name, ExamplePrefix) }

// Select returns the workloads whose name matches pattern (an RE2
// regular expression, unanchored, as go test -run). An empty pattern
// selects every workload but the examples; a pattern selects examples
// too. Matching nothing is a usage error that lists what there is.
func Select(all []Workload, pattern string) ([]Workload, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, usagef("--workload %q: %v", pattern, err)
	}
	var out []Workload
	for _, w := range all {
		if re.MatchString(w.Name) && (pattern != "" || !w.IsExample()) {
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		return nil, usagef("--workload %q matches no workload; the workloads are: %s", pattern, strings.Join(names(all), ", "))
	}
	return out, nil
}

// SelectOne returns the one workload that a command on a single seed
// (replay, shrink, diff, timeline) is asked for: the workload whose full
// name is pattern, else the only one whose whole name the regular
// expression matches (anchored at both ends, so TestMerge does not
// select TestMergeUnderChurn; subtest levels are matched as one string,
// "TestProbing/sharing=true"). A pattern that matches none or several
// is a usage error that lists the candidates.
func SelectOne(all []Workload, pattern, pkg string) (Workload, error) {
	if i := slices.IndexFunc(all, func(w Workload) bool { return w.Name == pattern }); i >= 0 {
		return all[i], nil
	}
	re, err := regexp.Compile("^(?:" + pattern + ")$")
	if err != nil {
		return Workload{}, usagef("--workload %q: neither a workload's name nor a regular expression: %v", pattern, err)
	}
	var out []Workload
	for _, w := range all {
		if re.MatchString(w.Name) {
			out = append(out, w)
		}
	}
	switch len(out) {
	case 1:
		return out[0], nil
	case 0:
		return Workload{}, usagef("--workload %q matches no workload of %s (the whole name must match); the workloads are: %s", pattern, pkg, strings.Join(names(all), ", "))
	}
	return Workload{}, usagef("--workload %q matches %d workloads of %s, this command runs one: %s", pattern, len(out), pkg, strings.Join(names(out), ", "))
}

func names(ws []Workload) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Name
	}
	return out
}

// runPattern returns the -test.run pattern that selects exactly one
// test or subtest by its full name.
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// failLines returns the --- FAIL lines of go test -v output.
func failLines(out string) string {
	var b strings.Builder
	for line := range strings.Lines(out) {
		if strings.Contains(line, "--- FAIL") {
			b.WriteString("  " + strings.TrimSpace(line) + "\n")
		}
	}
	return b.String()
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "")
}
