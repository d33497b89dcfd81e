package workloads_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/workloads"
	"github.com/stretchr/testify/require"
)

// TestRegressionCorpus re-runs every seed of testdata/regressions.txt
// (format: workloads.CorpusFile) through its workload's own test, in a
// child process of this test binary, and checks its outcome.
func TestRegressionCorpus(t *testing.T) {
	if sim.Describing() {
		t.Skip("not a workload")
	}
	entries, err := workloads.LoadCorpus(workloads.CorpusFile)
	require.NoError(t, err)
	require.NotEmpty(t, entries)
	for _, e := range entries {
		t.Run(fmt.Sprintf("line%d_%s_seed%d", e.Line, e.Test, e.Seed), func(t *testing.T) {
			t.Parallel()
			require.NoError(t, e.CheckDecisionFile("."), "%s:%d", workloads.CorpusFile, e.Line)
			res, out := runEntry(t, e)
			if err := e.Check(res); err != nil {
				t.Errorf("%s:%d: %s\n  entry:  %s\n  replay: %s\nworkload output:\n%s",
					workloads.CorpusFile, e.Line, err, e, e.Replay(), out)
			}
		})
	}
}

// runEntry runs one entry in a child process of the test binary and
// returns its result line and its output.
func runEntry(t *testing.T, e workloads.Entry) (sim.JSONResult, string) {
	path := filepath.Join(t.TempDir(), "result.jsonl")
	cmd := exec.Command(os.Args[0], append(e.Args(path), "-test.timeout=10m")...)
	out, runErr := cmd.CombinedOutput()
	res, err := entryResult(e, path, runErr, out)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(out)
}

// entryResult reads the one result line an entry's child process wrote
// to path.
func entryResult(e workloads.Entry, path string, runErr error, out []byte) (sim.JSONResult, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		why := "the test binary ran no test of that name" // it exits 0, with a warning
		if runErr != nil {
			why = fmt.Sprintf("the test binary failed (%v)", runErr)
		}
		return sim.JSONResult{}, fmt.Errorf("%s:%d: %s wrote no result: %s (is %s a Test function of package workloads?)\n%s",
			workloads.CorpusFile, e.Line, e.Test, why, e.Test, out)
	}
	var results []sim.JSONResult
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		var r sim.JSONResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return r, fmt.Errorf("%s:%d: result line %q: %v", workloads.CorpusFile, e.Line, sc.Text(), err)
		}
		results = append(results, r)
	}
	if len(results) != 1 || results[0].Test != e.Test || results[0].Seed != e.Seed {
		return sim.JSONResult{}, fmt.Errorf("%s:%d: want one result of %s seed %d, got %+v\n%s", workloads.CorpusFile, e.Line, e.Test, e.Seed, results, out)
	}
	return results[0], nil
}

// An entry that names no test of the package (a typo) ran nothing: the
// message says so, without a stray "(<nil>)" for the exit status of a
// child that ran no test and exited 0.
func TestCorpusUnknownTestMessage(t *testing.T) {
	if sim.Describing() {
		t.Skip("not a workload")
	}
	e := workloads.Entry{Line: 7, Test: "TestNoSuchWorkload", Seed: 1}
	path := filepath.Join(t.TempDir(), "result.jsonl")
	out, runErr := exec.Command(os.Args[0], e.Args(path)...).CombinedOutput()
	require.NoError(t, runErr, "a -run that matches nothing exits 0")
	_, err := entryResult(e, path, runErr, out)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "<nil>")
	require.Contains(t, err.Error(), "TestNoSuchWorkload wrote no result: the test binary ran no test of that name (is TestNoSuchWorkload a Test function of package workloads?)")
}

// The corpus parser: every malformed line is rejected with an error that
// names its line and what is wrong with it.
func TestParseCorpus(t *testing.T) {
	good := `# a comment line

TestSteady 31 patch= fail:liveness "LocalReadyPending:true" # H3
TestSteady	0x1F	patch=h3   pass#glued comment
TestChurn 2 patch=h1,h3 faults=lite pass
TestSteady 7 fail:safety "quote \" and # inside"
TestHeartbeat 14 bug=f1-retry-unlocked @testdata/decisions/f1.decisions fail:panic "should not be empty"
`
	entries, err := workloads.ParseCorpus("c.txt", strings.NewReader(good))
	require.NoError(t, err)
	require.Len(t, entries, 5)
	require.Equal(t, "testdata/decisions/f1.decisions", entries[4].Decisions)
	require.Contains(t, entries[4].Args("r.jsonl"), "-sim.decisions=testdata/decisions/f1.decisions")
	require.Contains(t, entries[4].Replay(), "-sim.decisions=testdata/decisions/f1.decisions")
	require.Equal(t, workloads.Entry{Line: 3, Test: "TestSteady", Seed: 31, Pins: sim.Pins{"patch="},
		Expect: workloads.Expectation{Kind: sim.KindLiveness, Message: "LocalReadyPending:true"}, Comment: "H3"}, entries[0])
	require.Equal(t, workloads.Entry{Line: 4, Test: "TestSteady", Seed: 31, Pins: sim.Pins{"patch=h3"},
		Expect: workloads.Expectation{Pass: true}, Comment: "glued comment"}, entries[1])
	require.Equal(t, sim.Pins{"patch=h1,h3", "faults=lite"}, entries[2].Pins)
	require.Equal(t, `quote " and # inside`, entries[3].Expect.Message)
	for _, e := range entries { // String round-trips
		back, err := workloads.ParseCorpus("rt", strings.NewReader(e.String()))
		require.NoError(t, err, e.String())
		back[0].Line = e.Line
		require.Equal(t, e, back[0])
	}

	for _, tc := range []struct{ line, want string }{
		{"TestSteady", "got 1 fields"},
		{"TestSteady 3", "got 2 fields"},
		{"steady 3 pass", `workload "steady" is not the name of a Test function`},
		{`"TestSteady" 3 pass`, "is not the name of a Test function"},
		{"TestSteady x3 pass", `seed "x3" is not a uint64`},
		{"TestSteady -1 pass", `seed "-1"`},
		{"TestSteady 3 nokey=1 pass", `pin "nokey=1"`},
		{"TestSteady 3 patch=h9 pass", `pin "patch=h9"`},
		{"TestSteady 3 strategy=fifo pass", `pin "strategy=fifo"`},
		{"TestSteady 3 patch=", "missing the expected outcome"},
		{"TestSteady 3 ok", `"ok" is neither pass nor fail:KIND`},
		{`TestSteady 3 "pass"`, "must not be quoted"},
		{`TestSteady 3 pass "msg"`, `unexpected "msg" after pass`},
		{"TestSteady 3 fail:oops \"m\"", `unknown failure kind "oops"`},
		{"TestSteady 3 fail:liveness", "needs a quoted, non-empty substring"},
		{"TestSteady 3 @ pass", `decision file "@"`},
		{"TestSteady 3 @/abs/d.txt pass", "relative to the package directory"},
		{"TestSteady 3 @d.txt", "missing the expected outcome"},
		{"TestSteady 3 fail:liveness stall", "needs a quoted, non-empty substring"},
		{`TestSteady 3 fail:liveness ""`, "needs a quoted, non-empty substring"},
		{`TestSteady 3 fail:liveness "a" "b"`, `unexpected "b" after the message`},
		{`TestSteady 3 fail:liveness "unterminated`, "unterminated or malformed quoted string"},
		{`TestSteady 3 fail:liveness "a"b`, "no space after the quoted string"},
		{`TestSteady 3 fail:liveness x"a"`, "stray quote"},
	} {
		_, err := workloads.ParseCorpus("c.txt", strings.NewReader("# header\n"+tc.line+"\n"))
		require.Error(t, err, tc.line)
		require.Contains(t, err.Error(), "c.txt:2: ", tc.line)
		require.Contains(t, err.Error(), tc.want, tc.line)
	}

	// Every bad line is reported, and duplicates name the first line.
	_, err = workloads.ParseCorpus("c.txt", strings.NewReader("TestA 1 pass\nbad\nTestA 1 pass # again\nTestA 1 patch= pass\nTestB 2 what\n"))
	require.Error(t, err)
	require.Contains(t, err.Error(), "c.txt:2: ")
	require.Contains(t, err.Error(), "c.txt:3: duplicate of line 1")
	require.NotContains(t, err.Error(), "c.txt:4:")
	require.Contains(t, err.Error(), "c.txt:5: ")
}

// Check: the expected outcome is asserted both ways.
func TestCorpusCheck(t *testing.T) {
	h3 := workloads.Entry{Test: "TestSteady", Seed: 31, Expect: workloads.Expectation{Kind: sim.KindLiveness, Message: "LocalReadyPending:true"}}
	stall := sim.JSONResult{Outcome: "fail", Kind: "liveness", Message: "goal unmet: session {LocalReadyPending:true}"}
	require.NoError(t, h3.Check(stall))
	require.ErrorContains(t, h3.Check(sim.JSONResult{Outcome: "pass"}), "expected fail:liveness, got pass")
	require.ErrorContains(t, h3.Check(sim.JSONResult{Outcome: "fail", Kind: "safety", Message: "I4"}), "expected fail:liveness, got fail:safety: I4")
	require.ErrorContains(t, h3.Check(sim.JSONResult{Outcome: "fail", Kind: "liveness", Message: "other"}), `containing "LocalReadyPending:true"`)
	ok := workloads.Entry{Test: "TestSteady", Seed: 1, Expect: workloads.Expectation{Pass: true}}
	require.NoError(t, ok.Check(sim.JSONResult{Outcome: "pass"}))
	require.ErrorContains(t, ok.Check(stall), "expected pass, got fail:liveness: goal unmet")
}

// An entry's decision file must name the entry's own run: another test,
// seed or pins is refused before anything runs.
func TestCorpusDecisionFileMustMatch(t *testing.T) {
	if sim.Describing() {
		t.Skip("not a workload")
	}
	dir := t.TempDir()
	f := &sim.DecisionFile{Workload: "TestHeartbeat", Seed: 14, Pins: sim.Pins{"bug=f1-retry-unlocked"}}
	require.NoError(t, f.WriteFile(filepath.Join(dir, "d.txt")))
	e := workloads.Entry{Test: "TestHeartbeat", Seed: 14, Pins: sim.Pins{"bug=f1-retry-unlocked"}, Decisions: "d.txt"}
	require.NoError(t, e.CheckDecisionFile(dir))
	other := e
	other.Seed = 15
	require.ErrorContains(t, other.CheckDecisionFile(dir), "seed 14")
	other = e
	other.Test = "TestMerge"
	require.ErrorContains(t, other.CheckDecisionFile(dir), "replays TestHeartbeat")
	other = e
	other.Pins = nil
	require.ErrorContains(t, other.CheckDecisionFile(dir), "pins")
	other = e
	other.Decisions = "missing.txt"
	require.Error(t, other.CheckDecisionFile(dir))
}
