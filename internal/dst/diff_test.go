package dst

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// traceOf writes trace lines, one per event "step node kind words", in
// the simulator's columns, and returns the file's path.
func traceOf(t *testing.T, name string, events ...string) string {
	t.Helper()
	var b strings.Builder
	for _, e := range events {
		f := strings.SplitN(e, " ", 4)
		fmt.Fprintf(&b, "%8s     %s.000000000s %-10s %-8s %s\n", f[0], f[0], f[1], f[2], f[3])
	}
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o644))
	return p
}

func divergence(t *testing.T, n, hunks int, a, b []string) string {
	t.Helper()
	var out strings.Builder
	require.NoError(t, showDivergence([2]string{traceOf(t, "a", a...), traceOf(t, "b", b...)}, n, hunks, &out))
	return out.String()
}

// The same traces: said so.
func TestDiffSameTraces(t *testing.T) {
	tr := []string{"1 n1 run task=1", "2 n1 note hello", "3 n2 park task=2"}
	require.Equal(t, "the traces are the same (3 lines): the setting changed nothing this seed reaches\n", divergence(t, 2, 3, tr, tr))
}

// A note in other words (the same event) is counted and shown once, and
// the comparison goes on to where the runs part: that one is shown with
// its context, and nothing after it.
func TestDiffWordsThenParting(t *testing.T) {
	a := []string{"1 n1 run task=1", "2 n1 note retry (bug f2)", "3 n1 run task=2", "4 n1 run task=3", "5 n1 run task=4",
		"6 n1 note retry (bug f2)", "7 n1 run task=2", "8 n1 run task=3", "9 n1 run task=4",
		"10 n1 note REGISTER", "11 n1 run task=5", "12 n1 run task=6", "13 n1 run task=7", "14 n1 run task=8", "15 n1 run task=9", "16 n1 run task=1"}
	b := []string{"1 n1 run task=1", "2 n1 note retry", "3 n1 run task=2", "4 n1 run task=3", "5 n1 run task=4",
		"6 n1 note retry", "7 n1 run task=2", "8 n1 run task=3", "9 n1 run task=4",
		"10 n1 note ignored", "11 n1 park task=5", "12 n1 run task=9", "13 n1 run task=7", "14 n1 run task=8", "15 n1 run task=9", "16 n1 run task=1"}
	out := divergence(t, 2, 3, a, b)
	require.Contains(t, out, "2 difference(s) in words only (the same events), the first after 1 common lines:\n")
	require.Contains(t, out, "  A        2     2.000000000s n1         note     retry (bug f2)\n")
	require.Contains(t, out, "difference 1, after 7 common lines:\n")
	require.Regexp(t, `(?m)^    \s+8 .* run\s+task=3\n    \s+9 .* run\s+task=4\n  A\s+10 .* note\s+REGISTER\n`, out)
	require.Regexp(t, `(?m)^  B\s+10 .* note\s+ignored\n  B\s+11 .* park\s+task=5\n`, out)
	require.NotContains(t, out, "the runs part here for good", "they agree again from step 13 on")
	require.Contains(t, out, "the traces end together after 11 common lines\n")
}

// A trace that keeps differing is where the runs part for good; and the
// number of differences shown is bounded.
func TestDiffPartsForGoodAndBoundsHunks(t *testing.T) {
	var a, b []string
	for i := 1; i <= 40; i++ {
		a = append(a, fmt.Sprintf("%d n1 run task=%d", i, i))
		b = append(b, fmt.Sprintf("%d n1 %s task=%d", i, map[bool]string{false: "run", true: "park"}[i >= 20], i))
	}
	out := divergence(t, 3, 3, a, b)
	require.Contains(t, out, "difference 1, after 19 common lines:\n")
	require.Equal(t, 6, strings.Count(out, "\n  A "), "2n lines of each side")
	require.Contains(t, out, "the runs part here for good\n")

	a, b = nil, nil
	for i := 1; i <= 40; i++ {
		a = append(a, fmt.Sprintf("%d n1 run task=%d", i, i))
		b = append(b, fmt.Sprintf("%d n1 %s task=%d", i, map[bool]string{false: "run", true: "park"}[i%10 == 9], i)) // 9, 19, 29, 39
	}
	out = divergence(t, 2, 2, a, b)
	require.Contains(t, out, "difference 1, after 8 common lines:\n")
	require.Contains(t, out, "difference 2, after 17 common lines:\n")
	require.NotContains(t, out, "difference 3")
	require.Contains(t, out, "(more differences follow; --hunks 2 shown)\n")
}

// dst diff runs the seed twice and shows the first difference: on the
// shrink fixture, duplication off parts the runs early.
func TestDiffCommand(t *testing.T) {
	const pkg = "./testdata/shrinkfixture"
	code, out, errOut := dst(t, "diff", "--pkg", pkg, "--workload", "TestFixtureNet", "--seed", "2", "--vs", "net.dup=0")
	require.Equal(t, ExitClean, code, "%s\n%s", out, errOut)
	require.Regexp(t, `A: TestFixtureNet seed 2 with the seed's own configuration: fail \(panic\): message \d+ arrived twice, \d+ steps, hash [0-9a-f]{16}\n`, out)
	require.Regexp(t, `B: TestFixtureNet seed 2 with net.dup=0: pass, \d+ steps, hash [0-9a-f]{16}\n`, out)
	require.Contains(t, out, "difference 1, after ")
	require.Contains(t, out, "the runs part here for good")

	code, out, _ = dst(t, "diff", "--pkg", pkg, "--workload", "TestFixtureNet", "--seed", "2", "--vs", "buggify.q=0.5")
	require.Equal(t, ExitClean, code)
	require.Contains(t, out, "the traces are the same", "the fixture has no Buggify site")

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--workload", "TestFixtureNet", "--seed", "2"}, "diff needs --vs key=value"},
		{[]string{"--workload", "TestFixtureNet", "--seed", "2", "--vs", "net.dup=0", "--context", "-1"}, "--context -1: want 0 or more lines"},
		{[]string{"--workload", "TestFixtureNet", "--seed", "2", "--vs", "net.dup=0", "--hunks", "0"}, "--hunks 0: want at least 1"},
		{[]string{"--workload", "TestFixtureNet", "--vs", "net.dup=0"}, "diff needs --workload NAME (or a regular expression matching one workload) and --seed S"},
		{[]string{"--workload", "TestFixtureNet", "--seed", "2", "--vs", "net.dup=2"}, "net.dup"},
	} {
		code, out, errOut := dst(t, append([]string{"diff", "--pkg", pkg}, c.args...)...)
		require.Equal(t, ExitUsage, code, "%v\n%s\n%s", c.args, out, errOut)
		require.Contains(t, errOut, c.want, "%v", c.args)
	}
}
