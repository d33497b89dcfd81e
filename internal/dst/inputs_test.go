package dst

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// These tests hold dst to "bad input is exit 2 with a message that says
// what is wrong, found before anything runs" (issue 16's defects).

// --set seed=N would pin every seed of a sweep to one value: dst chooses
// the seeds, so it is refused.
func TestSetSeedIsRefused(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--pkg", fixture, "--seeds", "1", "--set", "seed=5"},
		{"replay", "--pkg", fixture, "--workload", "TestFixture", "--seed", "1", "--set", "seed=5"},
	} {
		code, out, errOut := dst(t, args...)
		require.Equal(t, ExitUsage, code, "%v\n%s\n%s", args, out, errOut)
		require.Contains(t, errOut, "seed=5: dst chooses the seeds")
	}
}

// A --junit path that cannot be written is found before the first seed,
// not after the sweep.
func TestOutputPathsCheckedFirst(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "no", "such", "dir", "junit.xml")
	code, out, errOut := dst(t, "run", "--pkg", fixture, "--workload", "^TestFixture$", "--seeds", "2", "--seed-start", "1", "--junit", bad)
	require.Equal(t, ExitUsage, code, out+errOut)
	require.Contains(t, errOut, "--junit "+bad+":")
	require.NotContains(t, out, "seeds in", "the sweep ran before the path was checked")

	good, _ := sweepFixture(t, "--workload", "^TestFixture$")
	merged := filepath.Join(t.TempDir(), "m.jsonl")
	code, _, errOut = dst(t, "merge", "-o", merged, "--junit", bad, good)
	require.Equal(t, ExitUsage, code, errOut)
	require.Contains(t, errOut, "--junit "+bad+":")
	_, err := os.Stat(merged)
	require.True(t, os.IsNotExist(err), "merge wrote its output before checking --junit")
}

// While one dst writes a results file (it holds an flock on it), a
// second --resume of the same file is refused rather than running the
// same seeds again.
func TestSecondWriterIsRefused(t *testing.T) {
	path, _ := sweepFixture(t, "--workload", "^TestFixture$")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB))
	code, out, errOut := dst(t, "run", "--resume", path)
	require.Equal(t, ExitUsage, code, out+errOut)
	require.Contains(t, errOut, path+" is being written by another dst")
}

// A results file with a seed recorded twice is refused by --resume with
// the way out: dst merge keeps one record of each seed.
func TestDuplicatesPointAtMerge(t *testing.T) {
	path, _ := sweepFixture(t, "--workload", "^TestFixture$")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.SplitAfter(string(data), "\n")
	dup := filepath.Join(t.TempDir(), "dup.jsonl")
	require.NoError(t, os.WriteFile(dup, []byte(string(data)+lines[3]), 0o644))
	code, out, errOut := dst(t, "run", "--resume", dup)
	require.Equal(t, ExitUsage, code, out+errOut)
	require.Contains(t, errOut, "dst merge -o FIXED.jsonl "+dup)

	fixed := filepath.Join(t.TempDir(), "fixed.jsonl")
	code, out, errOut = dst(t, "merge", "-o", fixed, dup)
	require.Equal(t, ExitFailures, code, out+errOut)
	_, recs, err := ReadReport(fixed)
	require.NoError(t, err)
	require.Len(t, recs, 30)
}

// A record of a seed that the header's plan does not contain is refused
// by every reader, naming its line.
func TestRecordOutsideThePlanIsRefused(t *testing.T) {
	path, _ := sweepFixture(t, "--workload", "^TestFixture$")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.SplitAfter(string(data), "\n")
	i := 1
	for !strings.Contains(lines[i], `"seed":5,`) {
		i++
	}
	bad := filepath.Join(t.TempDir(), "outside.jsonl")
	require.NoError(t, os.WriteFile(bad, []byte(strings.Join(lines[:i], "")+strings.Replace(lines[i], `"seed":5,`, `"seed":999,`, 1)+strings.Join(lines[i+1:], "")), 0o644))
	want := bad + ":" + itoa(i+1) + ": seed 999 of TestFixture is outside this report's plan"
	for _, args := range [][]string{
		{"run", "--resume", bad},
		{"merge", "-o", filepath.Join(t.TempDir(), "m.jsonl"), bad},
		{"replay", "--results", bad, "--workload", "TestFixture", "--seed", "1"},
	} {
		code, out, errOut := dst(t, args...)
		require.Equal(t, ExitUsage, code, "%v\n%s\n%s", args, out, errOut)
		require.Contains(t, errOut, want, "%v", args)
	}
}

// --pkg naming a package without tests, or with tests but no workload,
// is an input error with a message that says so.
func TestPackageWithoutWorkloads(t *testing.T) {
	for _, c := range []struct{ pkg, want string }{
		{"./testdata/mutfixture/model", "package ./testdata/mutfixture/model has no test files, so no workloads"},
		{"./testdata/noworkload", "package ./testdata/noworkload has no workload: none of its tests calls sim.Test"},
	} {
		code, out, errOut := dst(t, "run", "--pkg", c.pkg, "--seeds", "1")
		require.Equal(t, ExitUsage, code, "%s\n%s\n%s", c.pkg, out, errOut)
		require.Contains(t, errOut, c.want)
		require.NotContains(t, errOut, "<nil>")
	}
}

// A seed range past 2^64-1 and a time budget too short to run a seed are
// refused; a shard that owns no seed of the plan, and a --node that no
// trace line names, are warned about.
func TestRangesAndFiltersAreChecked(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--seed-start", "18446744073709551615", "--seeds", "2"}, "--seed-start 18446744073709551615 with --seeds 2 runs past the largest seed"},
		{[]string{"run", "--time", "1ns"}, "--time 1ns: too short to run a seed"},
	} {
		code, out, errOut := dst(t, c.args...)
		require.Equal(t, ExitUsage, code, "%v\n%s\n%s", c.args, out, errOut)
		require.Contains(t, errOut, c.want)
	}
	code, out, errOut := dst(t, "run", "--pkg", fixture, "--workload", "^TestFixture$", "--seeds", "1", "--seed-start", "1", "--shard", "1/2")
	require.Equal(t, ExitClean, code, out+errOut)
	require.Contains(t, errOut, "warning: shard 1/2 has no seed of this plan")

	code, out, errOut = dst(t, "replay", "--pkg", fixture, "--workload", "TestFixture", "--seed", "1", "--node", "n9")
	require.Equal(t, ExitClean, code, out+errOut)
	require.Contains(t, errOut, `warning: no trace line names node "n9"; the nodes are: main, n1`)
}

func itoa(i int) string { return strconv.Itoa(i) }

// A flag that does not parse gets its message and a one-line hint, not
// the whole usage; -h still prints the flags.
func TestFlagErrorIsOneLineAndAHint(t *testing.T) {
	code, out, errOut := dst(t, "run", "--nope")
	require.Equal(t, ExitUsage, code, out+errOut)
	require.Equal(t, "dst run: flag provided but not defined: -nope\n(dst run -h lists the flags)\n", errOut)
	code, _, errOut = dst(t, "merge", "-o")
	require.Equal(t, ExitUsage, code)
	require.Equal(t, "dst merge: flag needs an argument: -o\n(dst merge -h lists the flags)\n", errOut)
	code, _, errOut = dst(t, "run", "-h")
	require.Equal(t, ExitClean, code)
	require.Contains(t, errOut, "-seed-start")
}

// The first build of a package says it is building before it starts:
// on a cold cache it takes over a minute, which must not look like a
// hang.
func TestBuildSaysItIsBuilding(t *testing.T) {
	var log strings.Builder
	_, err := Build(fixture, t.TempDir(), &log)
	require.NoError(t, err)
	require.Regexp(t, `^dst: building the workloads' test binary \(go test -c \./testdata/fixture\)\.\.\.\ndst: built \./testdata/fixture `, log.String())
}
