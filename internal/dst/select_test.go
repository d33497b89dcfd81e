package dst

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// SelectOne takes a full name as it is, else a regular expression that
// matches exactly one whole name; none or several are usage errors that
// list the candidates.
func TestSelectOne(t *testing.T) {
	all := []Workload{{Name: "TestMerge"}, {Name: "TestMergeUnderChurn"}, {Name: "TestProbing/sharing=false"},
		{Name: "TestProbing/sharing=true"}, {Name: "TestOdd/a(b)"}}
	for _, c := range []struct{ pattern, want, err string }{
		{"TestMerge", "TestMerge", ""}, // a name that is also a prefix of another
		{"TestMerge.*", "", "matches 2 workloads of pkg, this command runs one: TestMerge, TestMergeUnderChurn"},
		{"(TestMerge|TestSteady)", "TestMerge", ""}, // the Makefile's style of TEST
		{"TestMergeUnder.*", "TestMergeUnderChurn", ""},
		{"TestProbing/sharing=t.*", "TestProbing/sharing=true", ""},
		{"TestProbing", "", `matches no workload of pkg (the whole name must match); the workloads are: TestMerge, TestMergeUnderChurn, TestProbing/sharing=false, TestProbing/sharing=true, TestOdd/a(b)`},
		{"TestProbing/.*", "", "matches 2 workloads of pkg, this command runs one: TestProbing/sharing=false, TestProbing/sharing=true"},
		{"TestOdd/a(b)", "TestOdd/a(b)", ""}, // not a regexp of itself: the exact name wins
		{"TestOdd/a\\(b\\)", "TestOdd/a(b)", ""},
		{"Test(", "", "neither a workload's name nor a regular expression"},
		{"Merge", "", "matches no workload"}, // anchored: no substring match
	} {
		w, err := SelectOne(all, c.pattern, "pkg")
		if c.err != "" {
			require.ErrorContains(t, err, c.err, c.pattern)
			var ue *UsageError
			require.ErrorAs(t, err, &ue, c.pattern)
			continue
		}
		require.NoError(t, err, c.pattern)
		require.Equal(t, c.want, w.Name, c.pattern)
	}
}

// A sweep with no --workload leaves the examples out; a pattern that
// matches one selects it.
func TestSelectLeavesExamplesOutOfSweeps(t *testing.T) {
	all := []Workload{{Name: "TestChurn"}, {Name: "TestExampleRestartTable"}, {Name: "TestSteady"}}
	ws, err := Select(all, "")
	require.NoError(t, err)
	require.Equal(t, []string{"TestChurn", "TestSteady"}, names(ws))
	ws, err = Select(all, "TestExample")
	require.NoError(t, err)
	require.Equal(t, []string{"TestExampleRestartTable"}, names(ws))
	ws, err = Select(all, ".")
	require.NoError(t, err)
	require.Len(t, ws, 3, "a pattern selects what it matches, examples included")
}

// replay, shrink, diff and timeline resolve --workload the same way,
// before running anything: several matches are exit 2 with the
// candidates; a regular expression that matches one runs it.
func TestSeedCommandsTakeOneWorkloadByRegexp(t *testing.T) {
	page := filepath.Join(t.TempDir(), "p.html")
	for _, cmd := range [][]string{{"replay"}, {"shrink"}, {"diff", "--vs", "net.dup=0"}, {"timeline", "-o", page}} {
		args := append(append([]string{}, cmd...), "--pkg", fixture, "--workload", "TestFixtureOther/.*", "--seed", "1")
		code, out, errOut := dst(t, args...)
		require.Equal(t, ExitUsage, code, "%v\n%s%s", args, out, errOut)
		require.Contains(t, errOut, `--workload "TestFixtureOther/.*" matches 2 workloads of ./testdata/fixture, this command runs one: TestFixtureOther/a, TestFixtureOther/b`, cmd[0])
	}
	code, out, errOut := dst(t, "replay", "--pkg", fixture, "--workload", "TestFixtureOther/[b]", "--seed", "2")
	require.Equal(t, ExitClean, code, out+errOut)
	require.True(t, strings.Contains(out, "-run '^TestFixtureOther$/^b$'") || strings.Contains(out, "TestFixtureOther/b"), out)
}
