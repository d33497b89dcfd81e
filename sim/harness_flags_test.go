package sim

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// -sim.set=seed=N is the printed configuration's seed line given back:
// it runs seed N, as -sim.seed=N does, rather than being accepted and
// ignored; a different -sim.seed beside it is a contradiction, refused
// with exit status 2 before anything runs.
func TestHarnessSeedPinIsHonoured(t *testing.T) {
	js := filepath.Join(t.TempDir(), "r.jsonl")
	out, code := runSelf(t, "-test.run=^TestHarnessHelperPassing$", "-sim.set=seed=7", "-sim.json="+js)
	require.Equal(t, 0, code, out)
	lines := readJSON(t, js)
	require.Len(t, lines, 1, "seed=7 must run seed 7 only")
	require.EqualValues(t, 7, lines[0].Seed)

	out, code = runSelf(t, "-test.run=^TestHarnessHelperPassing$", "-sim.set=seed=7", "-sim.seed=8")
	require.Equal(t, 2, code, out)
	require.Contains(t, out, "-sim.set=seed=7 and -sim.seed=8 name different seeds")
}

// A seed range that would run past the largest seed is refused, not
// wrapped around to seed 0.
func TestHarnessRefusesWrappingRange(t *testing.T) {
	out, code := runSelf(t, "-test.run=^TestHarnessHelperPassing$", "-sim.start=18446744073709551615", "-sim.seeds=2")
	require.Equal(t, 2, code, out)
	require.Contains(t, out, "-sim.start=18446744073709551615 with -sim.seeds=2 runs past the largest seed")
}

// A run that stops at its first failing seed reports the seeds it ran,
// not the range it was asked for, and says that the rest did not run.
func TestHarnessStopReportsSeedsRun(t *testing.T) {
	out, code := runSelf(t, "-test.run=^TestHarnessHelperFailing$", "-test.v")
	require.Equal(t, 1, code, out)
	m := regexp.MustCompile(`(\d+) of (\d+) seeds passed \(1\.\.(\d+)\)`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	passed, _ := strconv.Atoi(m[1])
	ran, _ := strconv.Atoi(m[2])
	last, _ := strconv.Atoi(m[3])
	require.Equal(t, ran, last, "the range must be the seeds run")
	require.Equal(t, ran-1, passed, "only the last seed run failed")
	require.Less(t, ran, 40)
	require.Contains(t, out, "stopped at the first failing seed: seeds "+strconv.Itoa(last+1)+"..40 did not run (-sim.keep-going runs them)")
}

// The replay line selects exactly the test it names, whatever its
// subtest names hold: each level is anchored and quoted for -run, and
// the whole pattern for the shell, so a name with regexp
// metacharacters or a quote neither selects nothing (a silent pass) nor
// breaks the command.
func TestReplayCommandQuotesHostileNames(t *testing.T) {
	for _, name := range []string{
		"TestX",
		"TestX/a(b)",
		"TestX/it's",
		"TestX/a|b$c",
		"TestX/x[1]*+?.{2}",
		`TestX/"q"\n`,
		"TestX/$(touch_pwned)",
	} {
		line := ReplayCommand(name, 5, Pins{"strategy=pct"})
		args := shellWords(t, strings.TrimPrefix(line, "go "))
		i := indexOf(args, "-run")
		require.Positive(t, i, line)
		levels := strings.Split(args[i+1], "/")
		names := strings.Split(name, "/")
		require.Len(t, levels, len(names), "%s: %s", name, args[i+1])
		for k, lvl := range levels {
			re, err := regexp.Compile(lvl)
			require.NoError(t, err, line)
			require.True(t, re.MatchString(names[k]), "%s: level %q does not match %q", line, lvl, names[k])
			require.False(t, re.MatchString(names[k]+"x"), "%s: level %q is not anchored", line, lvl)
		}
		require.Contains(t, args, "-sim.seed=5")
	}
}

// shellWords splits a command line as sh does, by asking sh.
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	out, err := exec.Command("sh", "-c", "set -- "+line+`; for a in "$@"; do printf '%s\0' "$a"; done`).Output()
	require.NoError(t, err, line)
	return strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}
