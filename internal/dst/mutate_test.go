package dst

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The dst mutate tests mutate testdata/mutfixture/model with const-inc,
// which makes four mutants: Wrap's 13 -> 14, which TestWrap kills at
// seed 13; Ignored's 5 -> 6, which TestQuiet runs without checking, so
// it survives; Unused's 7 -> 8, which nothing calls, so the coverage
// sweep finds it unreached; and Last's a[1] -> a[2], out of range at
// compile time.
var mutateFixture = []string{"mutate", "--pkg", "./testdata/mutfixture", "--target", "./testdata/mutfixture/model",
	"--operators", "const-inc", "--seeds", "20", "--workers", "2"}

func mutateArgs(extra ...string) []string {
	return append(append([]string(nil), mutateFixture...), extra...)
}

func byOutcome(t *testing.T, path string) map[string]MutantResult {
	t.Helper()
	_, recs, err := ReadMutateReport(path)
	require.NoError(t, err)
	out := map[string]MutantResult{}
	for _, r := range recs {
		_, dup := out[r.Outcome]
		require.False(t, dup, "two mutants %s", r.Outcome)
		out[r.Outcome] = r
	}
	return out
}

// One mutant is killed, one survives, one is unreached, one does not
// compile; the score leaves the last out; the report has one line per mutant; the tree is
// not touched.
func TestMutateOutcomes(t *testing.T) {
	model := filepath.Join("testdata", "mutfixture", "model", "model.go")
	orig, err := os.ReadFile(model)
	require.NoError(t, err)
	empty := filepath.Join(t.TempDir(), "equivalent.txt")
	require.NoError(t, os.WriteFile(empty, []byte("# none\n"), 0o644))
	path := filepath.Join(t.TempDir(), "mutants.jsonl")
	code, out, errOut := dst(t, mutateArgs("--json", path, "--equivalent", empty)...)
	require.Equal(t, ExitClean, code, "%s\n%s", out, errOut)

	got := byOutcome(t, path)
	require.Len(t, got, 4)
	killed := got[OutcomeKilled]
	require.Equal(t, "Wrap", killed.Func)
	require.Equal(t, "v % 13  ->  v % 14", killed.Describe())
	require.Equal(t, "TestWrap", killed.Workload)
	require.Equal(t, uint64(13), killed.Seed)
	require.Equal(t, "safety", killed.Kind)
	require.Contains(t, killed.Message, `"Wrap wraps at 13"`)
	require.False(t, killed.BaselineFails, "seed 13 passes on the unmutated model")
	// Selection by coverage: only TestWrap runs Wrap, only TestQuiet
	// runs Ignored, so each mutant is swept on that workload alone.
	require.Equal(t, 13, killed.SeedsRun)
	require.Equal(t, 1, killed.WorkloadsSkipped)
	require.Equal(t, "Ignored", got[OutcomeSurvived].Func)
	require.Equal(t, 20, got[OutcomeSurvived].SeedsRun)
	require.Equal(t, 1, got[OutcomeSurvived].WorkloadsSkipped)
	require.Equal(t, "Unused", got[OutcomeUnreached].Func)
	require.Zero(t, got[OutcomeUnreached].SeedsRun, "an unreached mutant is not swept")
	require.Equal(t, "Last", got[OutcomeNotCompiled].Func)
	require.Contains(t, got[OutcomeNotCompiled].Message, "out of bounds")

	require.Contains(t, out, "mutation score 33.3% = killed 1 / (generated 4 - not compiled 1 - equivalent 0)")
	require.Contains(t, out, "over the mutants some seed reached: 50.0% = killed 1 / (killed + survived 1 + timeout 0); 1 unreached")
	require.Regexp(t, `const-inc\s+4\s+1\s+1\s+1\s+0\s+1\s+0\s+33\.3%\s+50\.0%`, out)
	require.Contains(t, out, "const-inc "+got[OutcomeSurvived].ID+" Ignored\n      v + 5  ->  v + 6\n      20 seeds")
	require.Contains(t, out, "model.go:17:9 const-inc "+got[OutcomeUnreached].ID+" Unused\n      7  ->  8\n      no seed of the sweep runs")
	require.Contains(t, out, "--id "+killed.ID+" --replay TestWrap:13")
	now, err := os.ReadFile(model)
	require.NoError(t, err)
	require.Equal(t, orig, now, "dst mutate changed the tree")

	// A mutant listed as equivalent is not run and leaves the score.
	eq := filepath.Join(t.TempDir(), "equivalent.txt")
	require.NoError(t, os.WriteFile(eq, []byte(got[OutcomeSurvived].ID+"  Ignored's result is never read\n"), 0o644))
	code, out, errOut = dst(t, mutateArgs("--equivalent", eq)...)
	require.Equal(t, ExitClean, code, "%s\n%s", out, errOut)
	require.Contains(t, out, "mutation score 50.0% = killed 1 / (generated 4 - not compiled 1 - equivalent 1)")

	// Without the coverage sweep the unreached mutant is swept, and
	// survives, and every mutant is swept on both workloads, seeds
	// interleaved: seed s of both before seed s+1.
	path = filepath.Join(t.TempDir(), "nocover.jsonl")
	code, out, errOut = dst(t, mutateArgs("--equivalent", eq, "--coverage=false", "--json", path)...)
	require.Equal(t, ExitClean, code, "%s\n%s", out, errOut)
	require.Regexp(t, `const-inc\s+4\s+1\s+1\s+0\s+0\s+1\s+1\s+50\.0%`, out)
	_, recs, err := ReadMutateReport(path)
	require.NoError(t, err)
	for _, r := range recs {
		switch r.Func {
		case "Wrap":
			require.Equal(t, 2*12+2, r.SeedsRun)
		case "Unused":
			require.Equal(t, 40, r.SeedsRun)
		}
		require.Zero(t, r.WorkloadsSkipped)
	}
}

// A results file cut after its first mutant resumes with the others
// only, and ends with every mutant recorded once, with the same
// outcomes; --resume refuses flags that would change the mutants.
func TestMutateResume(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "equivalent.txt")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	path := filepath.Join(t.TempDir(), "mutants.jsonl")
	code, out, errOut := dst(t, mutateArgs("--json", path, "--equivalent", empty)...)
	require.Equal(t, ExitClean, code, "%s\n%s", out, errOut)
	full := byOutcome(t, path)

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.SplitAfter(string(data), "\n")
	var kept string
	for _, l := range lines[1:] {
		if strings.Contains(l, `"outcome":"killed"`) {
			kept = l
		}
	}
	require.NoError(t, os.WriteFile(path, []byte(lines[0]+kept), 0o644))
	code, out, errOut = dst(t, "mutate", "--resume", path, "--equivalent", empty)
	require.Equal(t, ExitClean, code, "%s\n%s", out, errOut)
	require.Contains(t, out, "4 mutants of ./testdata/mutfixture/model (1 recorded)")
	require.Equal(t, 2, strings.Count(out, "] "), "only the missing mutants run (the unreached one is recorded unswept):\n%s", out)
	again := byOutcome(t, path)
	require.Len(t, again, 4)
	for outcome, r := range full {
		require.Equal(t, r.ID, again[outcome].ID, outcome)
		require.Equal(t, r.Seed, again[outcome].Seed, outcome)
	}
	require.Contains(t, out, "mutation score 33.3%")

	// A survivor judged equivalent after the run counts as equivalent
	// when the finished report is read again.
	eq := filepath.Join(t.TempDir(), "equivalent.txt")
	require.NoError(t, os.WriteFile(eq, []byte(again[OutcomeSurvived].ID+"  Ignored's result is never read\n"), 0o644))
	code, out, errOut = dst(t, "mutate", "--resume", path, "--equivalent", eq)
	require.Equal(t, ExitClean, code, "%s\n%s", out, errOut)
	require.Equal(t, 0, strings.Count(out, "] "), "nothing left to run:\n%s", out)
	require.Contains(t, out, "mutation score 50.0% = killed 1 / (generated 4 - not compiled 1 - equivalent 1)")

	code, _, errOut = dst(t, "mutate", "--resume", path, "--seeds", "5")
	require.Equal(t, ExitUsage, code)
	require.Contains(t, errOut, "--seeds cannot change it")
}

// --list prints every mutant with its ID and change, and runs nothing;
// --sample picks the same mutants for the same seed.
func TestMutateList(t *testing.T) {
	code, out, errOut := dst(t, "mutate", "--pkg", "./testdata/mutfixture", "--target", "./testdata/mutfixture/model", "--list")
	require.Equal(t, ExitClean, code, errOut)
	require.Contains(t, out, "const-inc Wrap: v % 13  ->  v % 14\n")
	require.Contains(t, out, "9 mutants\n")
	sample := func(seed string) string {
		_, out, _ := dst(t, "mutate", "--pkg", "./testdata/mutfixture", "--target", "./testdata/mutfixture/model", "--list", "--sample", "3", "--seed", seed)
		return out
	}
	_, out, _ = dst(t, "mutate", "--pkg", "./testdata/mutfixture", "--target", "./testdata/mutfixture/model", "--list", "--skip", "*/model.go:Last,*:Unused")
	require.Contains(t, out, "4 mutants\n", "--skip leaves out Last's and Unused's mutants")
	require.Equal(t, sample("5"), sample("5"))
	require.Contains(t, sample("5"), "3 mutants\n")
}

// The sweep with a patch off keeps the workloads' other patches on; a
// patch the generator could not name turns them all off.
func TestPatchesWithout(t *testing.T) {
	require.Equal(t, "h1,h3,h5", patchesWithout("h4"))
	require.Equal(t, "h3,h4,h5", patchesWithout("h1"))
	require.Equal(t, "", patchesWithout("*"))
}
