package sim

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The helper tests below only do something when the parent test runs the
// test binary again with this variable set; alone they are skipped.
const helperEnv = "CDCSIM_HARNESS_HELPER"

func helperOnly(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper for the harness tests")
	}
}

// A workload with a bug that shows on some seeds only.
func TestHarnessHelperFailing(t *testing.T) {
	helperOnly(t)
	Test(t, func(w *World) {
		busyProgram(w)
		if w.Rand("bug").IntN(8) == 3 {
			panic("bug reached")
		}
	}, Seeds(40))
}

func TestHarnessHelperNondeterministic(t *testing.T) {
	helperOnly(t)
	Test(t, mapProgram, Seeds(3))
}

func TestHarnessHelperPassing(t *testing.T) {
	helperOnly(t)
	Test(t, busyProgram, Seeds(5))
}

// A workload on the simulated network, for the configuration round trip.
func TestHarnessHelperGossip(t *testing.T) {
	helperOnly(t)
	Test(t, func(w *World) { gossipProgram(w, func(string, string) bool { return true }) }, Seeds(3))
}

// runSelf runs this test binary with args and the helper variable set.
func runSelf(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	out, err := cmd.CombinedOutput()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return string(out), code
}

func readJSON(t *testing.T, path string) []JSONResult {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []JSONResult
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r JSONResult
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r), sc.Text())
		out = append(out, r)
	}
	return out
}

// A failing seed is reported once confirmed, with the failure, the whole
// configuration and a replay line; running the replay line's flags gives
// the same failure with the same hash.
func TestHarnessFailureReportReplays(t *testing.T) {
	out, code := runSelf(t, "-test.run=^TestHarnessHelperFailing$", "-test.v")
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "(confirmed by a second run with the same hash)")
	require.Contains(t, out, "panic: bug reached")
	require.Contains(t, out, "configuration:")
	for _, k := range Keys() {
		require.Contains(t, out, k+" ")
	}
	m := regexp.MustCompile(`go test \./sim -run '\^TestHarnessHelperFailing\$' -sim\.seed=(\d+) -sim\.trace`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	hash := regexp.MustCompile(`hash ([0-9a-f]{16})`).FindStringSubmatch(out)
	require.NotNil(t, hash, out)

	js := filepath.Join(t.TempDir(), "r.jsonl")
	out2, code2 := runSelf(t, "-test.run=^TestHarnessHelperFailing$", "-sim.seed="+m[1], "-sim.json="+js)
	require.Equal(t, 1, code2, out2)
	lines := readJSON(t, js)
	require.Len(t, lines, 1)
	require.Equal(t, "fail", lines[0].Outcome)
	require.Equal(t, "panic", lines[0].Kind)
	require.Equal(t, hash[1], lines[0].Hash, "the replay hashed differently")
	require.Equal(t, JSONVersion, lines[0].Version)
}

// -sim.json writes one line per seed with its outcome, steps, virtual
// time and hash; -sim.start and -sim.seeds choose the range.
func TestHarnessJSONLines(t *testing.T) {
	js := filepath.Join(t.TempDir(), "r.jsonl")
	out, code := runSelf(t, "-test.run=^TestHarnessHelperPassing$", "-sim.start=100", "-sim.seeds=4", "-sim.json="+js)
	require.Equal(t, 0, code, out)
	lines := readJSON(t, js)
	require.Len(t, lines, 4)
	for i, l := range lines {
		require.EqualValues(t, 100+i, l.Seed)
		require.Equal(t, "pass", l.Outcome)
		require.Equal(t, "TestHarnessHelperPassing", l.Test)
		require.Greater(t, l.Steps, uint64(100))
		require.Greater(t, l.VTimeNS, int64(0))
		require.Len(t, l.Hash, 16)
	}
}

// With -sim.recheck a program that decides by map order is reported as
// nondeterminism, with the first divergent step.
func TestHarnessReportsNondeterminism(t *testing.T) {
	out, code := runSelf(t, "-test.run=^TestHarnessHelperNondeterministic$", "-sim.recheck")
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "nondeterminism: the same seed hashed")
	require.Contains(t, out, "first divergent step is")
	require.Contains(t, out, "(a second run of the same seed did not repeat the first)")
}

// Malformed -sim.* flags are rejected before anything runs, with an error
// that names the flag, and exit status 2.
func TestHarnessRejectsMalformedFlags(t *testing.T) {
	cases := []struct{ arg, want string }{
		{"-sim.seed=xyz", `invalid value "xyz" for flag -sim.seed: seed "xyz" is not a uint64`},
		{"-sim.seed=-5", `for flag -sim.seed`},
		{"-sim.seeds=-1", `invalid value "-1" for flag -sim.seeds: seed count "-1" is not a positive integer`},
		{"-sim.seeds=0", `for flag -sim.seeds`},
		{"-sim.start=0xZZ", `for flag -sim.start`},
		{"-sim.set=nope=1", `unknown configuration key "nope"; known keys: seed, strategy`},
		{"-sim.set=buggify.p=2", `bad value "2" for buggify.p: want a probability in [0, 1]`},
		{"-sim.set=strategy", `is not key=value`},
		{"-sim.set=budget.time=soon", `bad value "soon" for budget.time`},
		{"-sim.bug=f9-nope", `invalid value "f9-nope" for flag -sim.bug: bad value "f9-nope" for bug: unknown bug variant "f9-nope"; known: f1-retry-unlocked`},
		{"-sim.patch=h2", `unknown patch variant "h2"; known: h1, h3, h4, h5`},
		{"-sim.random=maybe", `invalid boolean value "maybe" for -sim.random`},
	}
	for _, c := range cases {
		out, code := runSelf(t, "-test.run=^TestHarnessHelperPassing$", c.arg)
		require.Equal(t, 2, code, "%s: %s", c.arg, out)
		require.Contains(t, out, c.want, c.arg)
	}
}

// The configuration block that -sim.trace prints, given back key by key
// as -sim.set flags, reproduces the run: same hash.
func TestHarnessPrintedConfigThroughFlags(t *testing.T) {
	for _, seed := range []string{"4", "11"} {
		out, code := runSelf(t, "-test.run=^TestHarnessHelperGossip$", "-sim.seed="+seed, "-sim.trace")
		require.Equal(t, 0, code, out)
		block := out[strings.Index(out, "configuration:\n")+len("configuration:\n"):]
		args := []string{"-test.run=^TestHarnessHelperGossip$", "-sim.seed=" + seed}
		for _, line := range strings.Split(block, "\n") {
			if !strings.HasPrefix(line, "  ") || !strings.Contains(line, " = ") {
				break
			}
			k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
			args = append(args, "-sim.set="+strings.TrimSpace(k)+"="+strings.TrimSpace(v))
		}
		require.Len(t, args, 2+len(Keys()))
		derived, pinned := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
		_, code = runSelf(t, "-test.run=^TestHarnessHelperGossip$", "-sim.seed="+seed, "-sim.json="+derived)
		require.Equal(t, 0, code)
		out, code = runSelf(t, append(args, "-sim.json="+pinned)...)
		require.Equal(t, 0, code, out)
		a, b := readJSON(t, derived), readJSON(t, pinned)
		require.Len(t, a, 1)
		require.Len(t, b, 1)
		require.Equal(t, a[0].Hash, b[0].Hash, "seed %s: pinned configuration ran differently", seed)
	}
}

// A pinned setting is applied and echoed in the replay line, and the
// printed configuration shows it.
func TestPinsApplyAndPrint(t *testing.T) {
	c := DeriveConfig(9)
	require.NoError(t, Pins{"strategy=pct", "pct.depth=2", "budget.wall=30s"}.Apply(&c))
	require.Equal(t, StrategyPCT, c.Strategy)
	require.Equal(t, 2, c.PCTDepth)
	require.Equal(t, 30*time.Second, c.MaxWall)
	require.Regexp(t, `(?m)^strategy +\= pct$`, c.String())
	require.Equal(t, "go test . -run '^TestX$/^sub$' -sim.seed=9 -sim.set=strategy=pct -sim.trace",
		strings.Replace(ReplayCommand("TestX/sub", 9, Pins{"strategy=pct"}), packageDir(), ".", 1))
	// Every printed field pins back to the same configuration.
	var pins Pins
	for _, line := range strings.Split(strings.TrimSpace(c.String()), "\n") {
		k, v, _ := strings.Cut(line, "=")
		pins = append(pins, strings.TrimSpace(k)+"="+strings.TrimSpace(v))
	}
	back := DefaultConfig(0)
	require.NoError(t, pins.Apply(&back))
	require.Equal(t, c, back)
}

func TestParseSeed(t *testing.T) {
	v, err := ParseSeed("0xff")
	require.NoError(t, err)
	require.EqualValues(t, 255, v)
	v, err = ParseSeed("18446744073709551615")
	require.NoError(t, err)
	require.EqualValues(t, uint64(18446744073709551615), v)
	for _, bad := range []string{"", "x", "-1", "18446744073709551616", "0x", "1.5"} {
		_, err := ParseSeed(bad)
		require.Error(t, err, bad)
	}
}

// With -sim.describe a workload runs nothing: it prints one
// "sim.workload {json}" line with its name and seed count and is skipped,
// which is how cmd/dst lists workloads without a registry.
func TestHarnessDescribeListsWorkloads(t *testing.T) {
	js := filepath.Join(t.TempDir(), "r.jsonl")
	out, code := runSelf(t, "-test.run=^TestHarnessHelper(Passing|Gossip)$", "-test.v", "-sim.describe", "-sim.json="+js)
	require.Equal(t, 0, code, out)
	var got []WorkloadInfo
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, DescribePrefix); ok {
			var w WorkloadInfo
			require.NoError(t, json.Unmarshal([]byte(rest), &w), line)
			got = append(got, w)
		}
	}
	require.Equal(t, []WorkloadInfo{{"TestHarnessHelperPassing", 5}, {"TestHarnessHelperGossip", 3}}, got)
	require.Contains(t, out, "--- SKIP: TestHarnessHelperPassing")
	_, err := os.Stat(js)
	require.True(t, os.IsNotExist(err), "a described workload ran a seed")
}
