package dst

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The tests sweep the fixture workloads of testdata/fixture: TestFixture
// and TestFixtureOther/a and /b, quick, failing (safety) at every seed
// that is a multiple of 13, and knobs to slow or crash them.
const fixture = "./testdata/fixture"

// cacheDir is shared by the tests so the fixture is linked once.
var cacheDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dst-test-cache-")
	if err != nil {
		panic(err)
	}
	cacheDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// dst runs the dst command in this process and returns its exit status
// and output.
func dst(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	if len(args) > 0 && args[0] != "merge" {
		args = append(args, "--cache", cacheDir)
	}
	var stdout, stderr bytes.Buffer
	code := Main(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// sweepFixture runs a sweep of the fixture into a fresh results file and
// returns its path.
func sweepFixture(t *testing.T, extra ...string) (string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "results.jsonl")
	args := append([]string{"run", "--pkg", fixture, "--seed-start", "1", "--seeds", "30", "--json", path, "--parallel", "2"}, extra...)
	code, out, errOut := dst(t, args...)
	require.Equal(t, ExitFailures, code, "%s\n%s", out, errOut)
	return path, out
}

// A sweep records every seed once, with the simulator's verdict and the
// failure report, sums it up per workload, lists each failure with its
// replay line, and exits 1 because seeds 13 and 26 fail.
func TestRunRecordsEverySeed(t *testing.T) {
	junit := filepath.Join(t.TempDir(), "junit.xml")
	path, out := sweepFixture(t, "--junit", junit)
	h, recs, err := ReadReport(path)
	require.NoError(t, err)
	require.Equal(t, []string{"TestFixture", "TestFixtureOther/a", "TestFixtureOther/b"}, h.Workloads)
	require.Len(t, recs, 90)
	seen := map[string]bool{}
	for _, r := range recs {
		key := fmt.Sprintf("%s %d", r.Test, r.Seed)
		require.False(t, seen[key], "seed %d of %s twice", r.Seed, r.Test)
		seen[key] = true
		require.Equal(t, r.Seed%13 == 0, r.Failed(), "seed %d", r.Seed)
		if r.Failed() {
			require.Equal(t, "safety", r.Kind)
			require.Contains(t, r.Report, "confirmed by a second run")
			require.Contains(t, r.Report, "replay:")
		}
	}
	require.Contains(t, out, "TestFixtureOther/b seed 26: safety: invariant")
	require.Contains(t, out, "replay: go run ./cmd/dst replay --results "+path+" --workload TestFixture --seed 13")
	require.Contains(t, out, "(dst shrink with a replay line's flags looks for a simpler configuration")
	require.Regexp(t, `TestFixture\s+30\s+28\s+2\s+\d+`, out)
	data, err := os.ReadFile(junit)
	require.NoError(t, err)
	require.Contains(t, string(data), `<testsuite name="TestFixtureOther/a" tests="3" failures="2"`)
	require.Contains(t, string(data), "go test ./testdata/fixture -run '^TestFixtureOther$/^a$' -sim.seed=13 -sim.trace")
}

// dst replay of a failing seed of a report re-runs it with its trace,
// checks the hash against the record, and ends with hash=; it exits 1
// because the seed failed (0 for a passing one), and a record with
// another hash is a mismatch, exit 1 too.
func TestReplayReproducesTheHash(t *testing.T) {
	path, _ := sweepFixture(t, "--workload", "^TestFixture$", "--set", "faults=lite")
	_, recs, err := ReadReport(path)
	require.NoError(t, err)
	var failing Record
	for _, r := range recs {
		if r.Seed == 26 {
			failing = r
		}
	}
	require.True(t, failing.Failed())
	code, out, errOut := dst(t, "replay", "--results", path, "--workload", "TestFixture", "--seed", "26", "--node", "n1")
	require.Equal(t, ExitFailures, code, "the replayed seed fails: exit 1\n%s\n%s", out, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Equal(t, "hash="+failing.Hash, lines[len(lines)-1])
	require.Contains(t, out, "hash matches")
	require.Regexp(t, `(?m)^\s*faults += lite$`, out, "the results file's settings were not applied")
	traced := 0
	for _, l := range lines {
		if m := traceLine.FindStringSubmatch(l); m != nil {
			require.True(t, m[1] == "n1" || wordRegexp("n1").MatchString(m[2]), l)
			traced++
		}
	}
	require.Positive(t, traced)

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	require.NoError(t, os.WriteFile(bad, bytes.Replace(data, []byte(failing.Hash), []byte("0123456789abcdef"), 1), 0o644))
	code, out, _ = dst(t, "replay", "--results", bad, "--workload", "TestFixture", "--seed", "26")
	require.Equal(t, ExitFailures, code, out)
	require.Contains(t, out, "hash mismatch: "+bad+" recorded 0123456789abcdef, the replay hashed "+failing.Hash+" with the same binary: nondeterminism")
	require.True(t, strings.HasSuffix(out, "hash="+failing.Hash+"\n"))
}

// A worker process that dies records the seed it was running as a crash,
// with its output; the rest of its chunk runs in a new process, so every
// seed is still recorded once.
func TestCrashingWorker(t *testing.T) {
	t.Setenv("DST_FIXTURE_CRASH", "7")
	path, out := sweepFixture(t, "--workload", "^TestFixture$")
	_, recs, err := ReadReport(path)
	require.NoError(t, err)
	require.Len(t, recs, 30)
	for _, r := range recs {
		switch {
		case r.Seed%7 == 0:
			require.Equal(t, KindCrash, r.Kind, "seed %d", r.Seed)
			require.Contains(t, r.Report, "exit status 3")
		case r.Seed%13 == 0:
			require.Equal(t, "safety", r.Kind)
		default:
			require.False(t, r.Failed(), "seed %d: %s", r.Seed, r.Message)
		}
	}
	require.Contains(t, out, "TestFixture seed 14: crash: the test binary exited (exit status 3) before seed 14 reported")
}

// A seed whose task spins without yielding is stopped by budget.wall:
// recorded as a budget failure with the task's stack, and the sweep goes
// on with the seeds after it in a new process, none of them lost or
// reported as a crash.
func TestSpinningSeedIsABudgetFailure(t *testing.T) {
	t.Setenv("DST_FIXTURE_SPIN", "5")
	path := filepath.Join(t.TempDir(), "results.jsonl")
	began := time.Now()
	code, out, errOut := dst(t, "run", "--pkg", fixture, "--workload", "^TestFixture$", "--seed-start", "1", "--seeds", "8",
		"--set", "budget.wall=1s", "--parallel", "1", "--seed-timeout", "1m", "--json", path)
	require.Less(t, time.Since(began), 40*time.Second, "the sweep waited for a watchdog other than budget.wall")
	require.Equal(t, ExitFailures, code, out+errOut)
	_, recs, err := ReadReport(path)
	require.NoError(t, err)
	require.Len(t, recs, 8, out)
	for _, r := range recs {
		if r.Seed == 5 {
			require.Equal(t, "budget", r.Kind, r.Message)
			require.Contains(t, r.Message, "wall-clock budget 1s exhausted")
			require.Contains(t, r.Report, "fixture.spin", "the report has the spinning task's stack")
			continue
		}
		require.False(t, r.Failed(), "seed %d: %s %s", r.Seed, r.Kind, r.Message)
	}
}

// Each bad input is refused before anything runs, with a message that
// says what is wrong, and exit status 2.
func TestBadInputIsAUsageError(t *testing.T) {
	good, _ := sweepFixture(t, "--workload", "^TestFixture$")
	data, err := os.ReadFile(good)
	require.NoError(t, err)
	lines := strings.SplitAfter(string(data), "\n")
	write := func(name, content string) string {
		p := filepath.Join(t.TempDir(), name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	truncated := write("truncated.jsonl", strings.Join(lines[:5], "")+lines[5][:20])
	corrupt := write("corrupt.jsonl", strings.Join(lines[:3], "")+"{\"v\":1,\"test\":\n"+strings.Join(lines[3:], ""))
	var h map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &h))
	h["dst"] = 99
	v99, _ := json.Marshal(h)
	otherFormat := write("v99.jsonl", string(v99)+"\n"+strings.Join(lines[1:], ""))
	h["dst"], h["binary"] = 1, strings.Repeat("ab", 32)
	ob, _ := json.Marshal(h)
	otherBinary := write("otherbin.jsonl", string(ob)+"\n"+strings.Join(lines[1:], ""))
	otherLine := write("otherline.jsonl", lines[0]+strings.Replace(lines[1], `"v":2`, `"v":7`, 1))

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--nope"}, "flag provided but not defined: -nope"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"run", "--shard", "5/4", "--seed-start", "1"}, "shard 5/4: the index must be in 0..3"},
		{[]string{"run", "--shard", "1/4"}, "give them all the same --seed-start"},
		{[]string{"run", "--seeds", "-1"}, "--seeds -1: want a positive number"},
		{[]string{"run", "--seeds", "0"}, "--seeds 0: want a positive number"},
		{[]string{"run", "--bug", "f9-nope"}, `unknown bug variant "f9-nope"; known: f1-retry-unlocked`},
		{[]string{"run", "--patch", "h2"}, `unknown patch variant "h2"; known: h1, h3, h4, h5`},
		{[]string{"run", "--set", "nope=1"}, `invalid value "nope=1" for flag -set`},
		{[]string{"run", "--pkg", fixture, "--workload", "NoSuch"}, `--workload "NoSuch" matches no workload; the workloads are: TestFixture, TestFixtureOther/a, TestFixtureOther/b`},
		{[]string{"run", "--pkg", fixture, "--json", good}, "exists: continue it with --resume"},
		{[]string{"run", "--resume", good, "--seeds", "5"}, "--seeds cannot change it"},
		{[]string{"run", "--resume", truncated}, "truncated.jsonl:6: truncated: the last line has no newline"},
		{[]string{"run", "--resume", corrupt}, "corrupt.jsonl:4: corrupt: not a result line"},
		{[]string{"run", "--resume", otherFormat}, "v99.jsonl:1: results format version 99; this dst reads versions 1 and 2"},
		{[]string{"run", "--resume", otherBinary}, "was written by test binary version abababababababab"},
		{[]string{"run", "--resume", otherLine}, "otherline.jsonl:2: result line version 7"},
		{[]string{"replay", "--pkg", fixture, "--workload", "TestNoSuch", "--seed", "1"}, `--workload "TestNoSuch" matches no workload of ./testdata/fixture (the whole name must match); the workloads are: TestFixture, TestFixtureOther/a, TestFixtureOther/b`},
		{[]string{"replay", "--workload", "TestFixture", "--seed", "x1"}, `--seed: seed "x1" is not a uint64`},
		{[]string{"merge", "-o", filepath.Join(t.TempDir(), "m.jsonl"), good, corrupt}, "corrupt.jsonl:4: corrupt"},
	} {
		code, out, errOut := dst(t, c.args...)
		require.Equal(t, ExitUsage, code, "%v\n%s\n%s", c.args, out, errOut)
		require.Contains(t, errOut, c.want, "%v", c.args)
	}
}

// Merging the shards of two different sweeps, or two files that record
// one seed differently, is refused.
func TestMergeRefusesMismatches(t *testing.T) {
	a, _ := sweepFixture(t, "--workload", "^TestFixture$")
	b := filepath.Join(t.TempDir(), "b.jsonl")
	code, out, errOut := dst(t, "run", "--pkg", fixture, "--workload", "^TestFixture$", "--seed-start", "2", "--seeds", "30", "--json", b)
	require.Equal(t, ExitFailures, code, out+errOut)
	code, _, errOut = dst(t, "merge", "-o", filepath.Join(t.TempDir(), "m.jsonl"), a, b)
	require.Equal(t, ExitUsage, code)
	require.Contains(t, errOut, "is not a shard of the same sweep as "+a+": start seed 1 vs 2")

	data, err := os.ReadFile(a)
	require.NoError(t, err)
	lines := strings.SplitAfter(string(data), "\n")
	dup := filepath.Join(t.TempDir(), "dup.jsonl")
	require.NoError(t, os.WriteFile(dup, []byte(lines[0]+strings.Replace(lines[1], `"outcome":"pass"`, `"outcome":"fail"`, 1)), 0o644))
	code, _, errOut = dst(t, "merge", "-o", filepath.Join(t.TempDir(), "m.jsonl"), a, dup)
	require.Equal(t, ExitUsage, code)
	require.Regexp(t, `seed \d+ of TestFixture is recorded twice, differently: pass  [0-9a-f]{16} vs fail`, errOut)
}

// dst list names the workloads, the variants and the keys with defaults.
func TestList(t *testing.T) {
	code, out, errOut := dst(t, "list", "--pkg", fixture)
	require.Equal(t, ExitClean, code, errOut)
	for _, want := range []string{"TestFixture ", "TestFixtureOther/b", "20 seeds by default", "f1-retry-unlocked", "h3", "budget.wall", "2m0s"} {
		require.Contains(t, out, want)
	}
	require.NotContains(t, out, "TestNotAWorkload")
}

// A seed that reports nothing for --seed-timeout is killed and recorded
// as a timeout; the next seed runs in a new process.
func TestHungSeedIsATimeout(t *testing.T) {
	t.Setenv("DST_FIXTURE_SLEEP", "1m")
	path := filepath.Join(t.TempDir(), "results.jsonl")
	code, out, errOut := dst(t, "run", "--pkg", fixture, "--workload", "^TestFixture$", "--seed-start", "1", "--seeds", "2",
		"--seed-timeout", "300ms", "--recheck=false", "--json", path)
	require.Equal(t, ExitFailures, code, out+errOut)
	_, recs, err := ReadReport(path)
	require.NoError(t, err)
	require.Len(t, recs, 2)
	for _, r := range recs {
		require.Equal(t, KindTimeout, r.Kind)
		require.Equal(t, "no result for 300ms: the watchdog killed the test binary", r.Message)
	}
}

// replay (and shrink and diff, which run seeds the same way) kill a seed
// that gives no result within the watchdog, rather than hang.
func TestHungReplayIsKilled(t *testing.T) {
	defer func(d time.Duration) { seedWatchdog = d }(seedWatchdog)
	seedWatchdog = 300 * time.Millisecond
	t.Setenv("DST_FIXTURE_SLEEP", "1m")
	code, out, errOut := dst(t, "replay", "--pkg", fixture, "--workload", "TestFixture", "--seed", "1")
	require.Equal(t, ExitError, code, out+errOut)
	require.Contains(t, errOut, "TestFixture seed 1 gave no result within 300ms: killed")
}

// A time-bounded sweep runs round robin over the workloads until the
// budget is spent, records only finished seeds, each once, and writes
// its budget in the header for --resume.
func TestTimeBudget(t *testing.T) {
	t.Setenv("DST_FIXTURE_SLEEP", "20ms")
	path := filepath.Join(t.TempDir(), "results.jsonl")
	code, out, errOut := dst(t, "run", "--pkg", fixture, "--time", "1500ms", "--json", path)
	require.Contains(t, []int{ExitClean, ExitFailures}, code, out+errOut)
	h, recs, err := ReadReport(path)
	require.NoError(t, err)
	require.True(t, h.Random)
	require.Equal(t, "1.5s", h.Time)
	require.NotEmpty(t, recs)
	seen := map[string]bool{}
	for _, r := range recs {
		key := fmt.Sprintf("%s %d", r.Test, r.Seed)
		require.False(t, seen[key], "%s seed %d twice", r.Test, r.Seed)
		seen[key] = true
		require.GreaterOrEqual(t, r.Seed, h.Start)
	}
}
