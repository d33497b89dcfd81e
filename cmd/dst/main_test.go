package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/internal/dst"
	"github.com/stretchr/testify/require"
)

// These tests run dst as a separate process, as a CI job or a Kubernetes
// pod does: this test binary is dst when asEnv is set.
const asEnv = "DST_TEST_AS_MAIN"

// fixture is the tiny workload package of the dst tests, from the module
// root (TestFixture, TestFixtureOther/a and /b; multiples of 13 fail).
const fixture = "./internal/dst/testdata/fixture"

var cacheDir string

func TestMain(m *testing.M) {
	if os.Getenv(asEnv) == "1" {
		os.Exit(dst.Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	dir, err := os.MkdirTemp("", "dst-test-cache-")
	if err != nil {
		panic(err)
	}
	cacheDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// command returns dst as a child process run from the module root, in a
// process group of its own so that a test can kill it with its workers.
func command(env []string, args ...string) *exec.Cmd {
	if args[0] != "merge" {
		args = append(args, "--cache", cacheDir)
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = "../.."
	cmd.Env = append(append(os.Environ(), asEnv+"=1"), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

func exitCode(t *testing.T, err error) int {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	require.NoError(t, err)
	return 0
}

// seedCounts reads a results file and counts each (workload, seed).
func seedCounts(t *testing.T, path string) (*dst.Header, map[string]int) {
	t.Helper()
	h, recs, err := dst.ReadReport(path)
	require.NoError(t, err)
	out := map[string]int{}
	for _, r := range recs {
		out[fmt.Sprintf("%s %d", r.Test, r.Seed)]++
	}
	return h, out
}

// Four shards of one seed range, run side by side as four processes (the
// last one told its index the way a Kubernetes Indexed Job tells a pod),
// cover the range exactly once between them; dst merge combines them.
func TestShardsCoverTheRangeOnce(t *testing.T) {
	dir := t.TempDir()
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for i := range 4 {
		args := []string{"run", "--pkg", fixture, "--seed-start", "100", "--seeds", "45", "--parallel", "1",
			"--json", filepath.Join(dir, fmt.Sprintf("shard%d.jsonl", i))}
		var env []string
		if i < 3 {
			args = append(args, "--shard", fmt.Sprintf("%d/4", i))
		} else {
			env = []string{"JOB_COMPLETION_INDEX=3", "DST_SHARDS=4"}
		}
		cmd := command(env, args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		require.NoError(t, cmd.Start())
		cmds, outs = append(cmds, cmd), append(outs, &out)
	}
	union := map[string]int{}
	var files []string
	for i, cmd := range cmds {
		require.Equal(t, 1, exitCode(t, cmd.Wait()), outs[i].String()) // 104, 117, 130, 143 fail
		path := filepath.Join(dir, fmt.Sprintf("shard%d.jsonl", i))
		h, counts := seedCounts(t, path)
		require.Equal(t, fmt.Sprintf("%d/4", i), h.Shard)
		require.NotEmpty(t, counts, "shard %d ran nothing", i)
		for k, n := range counts {
			union[k] += n
		}
		files = append(files, path)
	}
	for _, w := range []string{"TestFixture", "TestFixtureOther/a", "TestFixtureOther/b"} {
		for s := 100; s < 145; s++ {
			require.Equal(t, 1, union[fmt.Sprintf("%s %d", w, s)], "%s seed %d", w, s)
		}
	}
	require.Len(t, union, 3*45, "a seed outside the range was run")

	merged := filepath.Join(dir, "merged.jsonl")
	cmd := command(nil, append([]string{"merge", "-o", merged}, files...)...)
	out, err := cmd.CombinedOutput()
	require.Equal(t, 1, exitCode(t, err), string(out))
	require.Contains(t, string(out), "merged 4 files (0/4, 1/4, 2/4, 3/4)")
	_, counts := seedCounts(t, merged)
	require.Equal(t, union, counts)
}

// A sweep killed with SIGKILL mid-run (dst and its workers, the whole
// process group) and resumed with --resume records every seed of the
// plan exactly once, in a file whose header is unchanged.
func TestKillAndResumeRecordsEverySeedOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.jsonl")
	slow := []string{"DST_FIXTURE_SLEEP=25ms"}
	cmd := command(slow, "run", "--pkg", fixture, "--random", "--seeds", "40", "--parallel", "2", "--json", path)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	giveUp := time.After(time.Minute)
	for countLines(path) < 25 {
		select {
		case err := <-exited:
			t.Fatalf("the sweep ended (%v) before it was killed:\n%s", err, out.String())
		case <-giveUp:
			t.Fatalf("no results after a minute:\n%s", out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	require.NoError(t, syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL))
	<-exited
	first, err := os.ReadFile(path)
	require.NoError(t, err)
	header := strings.SplitAfter(string(first), "\n")[0]
	_, before := seedCounts(t, path)
	require.Less(t, len(before), 120, "the sweep finished before it was killed")

	resumed := command(slow, "run", "--resume", path, "--parallel", "2")
	res, err := resumed.CombinedOutput()
	require.Equal(t, 1, exitCode(t, err), string(res))
	require.Contains(t, string(res), fmt.Sprintf("resuming %s: %d seeds recorded", path, len(before)))
	h, after := seedCounts(t, path)
	require.Len(t, after, 120)
	for k, n := range after {
		require.Equal(t, 1, n, "%s recorded %d times", k, n)
	}
	for k := range before {
		require.Contains(t, after, k)
	}
	for s := h.Start; s < h.Start+40; s++ {
		require.Contains(t, after, fmt.Sprintf("TestFixture %d", s))
	}
	final, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(final), header), "the header changed")
	require.True(t, h.Random)
}

func countLines(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		n++
	}
	return n
}
