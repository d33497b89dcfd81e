package dst

import (
	"errors"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The loop keeps every simplification under which the seed still fails
// the same way, leaves out one that makes it pass, one that changes
// nothing and one whose run gives no result, and goes round again after
// keeping any. (strategy=oldest makes it pass, so strategy=random is
// tried and changes nothing.)
func TestShrinkKeepsWhatStillFails(t *testing.T) {
	runs := 0
	run := func(pins []string) (*Record, error) {
		runs++
		if slices.Contains(pins, "buggify.p=0") {
			return nil, errors.New("the replay wrote no result")
		}
		r := &Record{}
		r.Outcome, r.Kind, r.Message = "fail", "panic", "boom"
		if slices.Contains(pins, "net.dup=0") || slices.Contains(pins, "faults=none") || slices.Contains(pins, "strategy=oldest") {
			r.Outcome = "pass"
		}
		if slices.Contains(pins, "net.spike=0") && !slices.Contains(pins, "net.latency=fixed(1ms)") {
			r.Kind = "safety" // fails otherwise, until the latency is fixed (the last one tried)
		}
		// strategy=random changes nothing: it is not in the hash.
		r.Hash = strings.Join(slices.DeleteFunc(slices.Clone(pins), func(p string) bool { return p == "strategy=random" }), " ")
		return r, nil
	}
	first, _ := run([]string{"bug=x"})
	same := func(r *Record) bool { return r.Failed() && r.Kind == first.Kind }
	var out strings.Builder
	res := shrink([]string{"bug=x"}, first, same, run, &out)
	require.NoError(t, res.err)
	want := []string{"bug=x"}
	for _, s := range Simplifications() {
		if s != "faults=none" && s != "net.dup=0" && s != "strategy=random" && s != "strategy=oldest" && s != "buggify.p=0" {
			want = append(want, s)
		}
	}
	require.ElementsMatch(t, want, res.pins, out.String())
	require.Equal(t, "bug=x", res.pins[0], "the given pins come first")
	require.Equal(t, strings.Join(res.pins, " "), res.last.Hash, "the last run is the one under every kept pin")
	require.Contains(t, out.String(), "net.spike=0                fails otherwise (safety: boom): not kept")
	require.Contains(t, out.String(), "strategy=random            no effect: not kept")
	require.Contains(t, out.String(), "buggify.p=0                no result (the replay wrote no result): not kept")
	require.Contains(t, out.String(), "round 2:\n")
	require.Equal(t, runs-1, res.runs)
	require.Less(t, res.runs, 3*len(Simplifications()), "spike is kept in round 2, and round 3 keeps nothing")
}

// dst shrink on a real workload: the fixture fails only when a message
// is duplicated, so the shrink must not switch duplication off; what it
// keeps must still fail the same way when replayed.
func TestShrinkCommand(t *testing.T) {
	const pkg = "./testdata/shrinkfixture"
	code, out, errOut := dst(t, "shrink", "--pkg", pkg, "--workload", "TestFixtureNet", "--seed", "2")
	require.Equal(t, ExitClean, code, "%s\n%s", out, errOut)
	require.Contains(t, out, "TestFixtureNet seed 2 fails (panic)")
	require.Regexp(t, `net\.dup=0\s+passes: not kept`, out)
	require.Regexp(t, `faults=none\s+passes: not kept`, out)
	m := regexp.MustCompile(`(?m)^settings: (.*)$`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	pins := strings.Fields(m[1])
	require.NotEmpty(t, pins, "seed 2 has faults besides duplication to switch off")
	require.NotContains(t, pins, "net.dup=0")
	require.Contains(t, out, "replay: go run ./cmd/dst replay --pkg "+pkg+" --workload TestFixtureNet --seed 2 --set ")

	args := []string{"replay", "--pkg", pkg, "--workload", "TestFixtureNet", "--seed", "2"}
	for _, p := range pins {
		args = append(args, "--set", p)
	}
	code, out, errOut = dst(t, args...)
	require.Equal(t, ExitFailures, code, "the seed still fails: exit 1\n%s\n%s", out, errOut)
	require.Regexp(t, `TestFixtureNet seed 2: fail \(panic\): message \d+ arrived twice`, out)
}

// With --results the package and the pins come from a sweep's report,
// and the kept pins come after them.
func TestShrinkFromResults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.jsonl")
	code, out, errOut := dst(t, "run", "--pkg", "./testdata/shrinkfixture", "--seed-start", "2", "--seeds", "1", "--recheck=false",
		"--set", "net.latency=fixed(3ms)", "--json", path)
	require.Equal(t, ExitFailures, code, "%s\n%s", out, errOut)
	code, out, errOut = dst(t, "shrink", "--results", path, "--workload", "TestFixtureNet", "--seed", "2")
	require.Equal(t, ExitClean, code, "%s\n%s", out, errOut)
	require.Regexp(t, `(?m)^settings: net\.latency=fixed\(3ms\)( |$)`, out)
	require.Contains(t, out, "replay: go run ./cmd/dst replay --pkg ./testdata/shrinkfixture --workload TestFixtureNet --seed 2 --set 'net.latency=fixed(3ms)'")
}

// Each bad input is exit 2 with the problem named, before anything runs
// (a passing seed: after one run).
func TestShrinkBadInput(t *testing.T) {
	const pkg = "./testdata/shrinkfixture"
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--workload", "TestFixtureNet"}, "shrink needs --workload NAME (or a regular expression matching one workload) and --seed S"},
		{[]string{"--workload", "TestFixtureNet", "--seed", "x1"}, "--seed"},
		{[]string{"--workload", "TestFixtureNet", "--seed", "2", "--match", "exact"}, `--match "exact": want kind or message`},
		{[]string{"--workload", "TestNope", "--seed", "2"}, `--workload "TestNope" matches no workload of ./testdata/shrinkfixture`},
		{[]string{"--workload", "TestFixtureNet", "--seed", "2", "--set", "net.bogus=1"}, `unknown configuration key "net.bogus"`},
		{[]string{"--workload", "TestFixtureNet", "--seed", "1"}, "TestFixtureNet seed 1 passes with the seed's own configuration: nothing to shrink"},
	} {
		code, out, errOut := dst(t, append([]string{"shrink", "--pkg", pkg}, c.args...)...)
		require.Equal(t, ExitUsage, code, "%v\n%s\n%s", c.args, out, errOut)
		require.Contains(t, errOut, c.want, "%v", c.args)
	}
}

// dst run --shrink N shrinks one seed per distinct failure after the
// sweep: the shrink fixture's failures are all the same one (seeds 2, 3,
// 7, 10 of 1-10), so it shrinks seed 2 only; a failure no pin touches
// (the dst fixture's planted one) is said to have nothing simpler.
func TestRunShrinks(t *testing.T) {
	code, out, errOut := dst(t, "run", "--pkg", "./testdata/shrinkfixture", "--seed-start", "1", "--seeds", "10", "--recheck=false", "--shrink", "3")
	require.Equal(t, ExitFailures, code, "%s\n%s", out, errOut)
	require.Contains(t, out, "\nshrinking 1 distinct failure(s):\nTestFixtureNet seed 2 (panic): kept ")
	require.Contains(t, out, "  replay: go run ./cmd/dst replay --pkg ./testdata/shrinkfixture --workload TestFixtureNet --seed 2 --set ")
	require.NotContains(t, out, "seed 3 (panic)")

	code, out, errOut = dst(t, "run", "--pkg", fixture, "--workload", "^TestFixture$", "--seed-start", "1", "--seeds", "26", "--recheck=false", "--shrink", "1")
	require.Equal(t, ExitFailures, code, "%s\n%s", out, errOut)
	require.Contains(t, out, "\nshrinking 1 distinct failure(s):\nTestFixture seed 13 (safety): nothing simpler fails the same way (")

	code, _, errOut = dst(t, "run", "--pkg", fixture, "--shrink", "-1")
	require.Equal(t, ExitUsage, code)
	require.Contains(t, errOut, "--shrink -1: want a number of failing seeds, 0 for none")
}

// Of two simplifications of one key, the simpler one kept rules out the
// other: strategy=oldest kept, strategy=random is not tried over it.
func TestShrinkKeepsTheSimplerOfOneKey(t *testing.T) {
	var tried []string
	run := func(pins []string) (*Record, error) {
		tried = append(tried, pins[len(pins)-1])
		r := &Record{}
		r.Outcome, r.Kind, r.Message, r.Hash = "fail", "panic", "boom", strings.Join(pins, " ")
		return r, nil
	}
	first, _ := run([]string{"strategy=pct"})
	tried = nil
	res := shrink([]string{"strategy=pct"}, first, func(r *Record) bool { return r.Failed() }, run, io.Discard)
	require.Contains(t, res.pins, "strategy=oldest")
	require.NotContains(t, res.pins, "strategy=random")
	require.NotContains(t, tried, "strategy=random")
	require.Equal(t, "strategy=pct", res.pins[0], "a given pin of the same key does not count")
}
