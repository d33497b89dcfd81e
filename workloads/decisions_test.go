package workloads_test

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cdcsim/cdcsim/sim"
	"github.com/stretchr/testify/require"
)

// describedWorkloads lists the workloads of this package as dst does:
// the test binary run with -sim.describe.
func describedWorkloads(t *testing.T) []string {
	out, err := exec.Command(os.Args[0], "-test.run=.", "-sim.describe").Output()
	require.NoError(t, err)
	var names []string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), sim.DescribePrefix)
		if !ok {
			continue
		}
		var info sim.WorkloadInfo
		require.NoError(t, json.Unmarshal([]byte(line), &info))
		names = append(names, info.Test)
	}
	require.NotEmpty(t, names)
	return names
}

// jsonResults reads a -sim.json file.
func jsonResults(t *testing.T, path string) []sim.JSONResult {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var out []sim.JSONResult
	for line := range strings.Lines(string(data)) {
		var r sim.JSONResult
		require.NoError(t, json.Unmarshal([]byte(line), &r))
		out = append(out, r)
	}
	return out
}

// Decision-file replay hashes as the seed, for the first seeds of every
// workload: each seed runs recording its decisions, and the record,
// written out and parsed back, replays to the seed's hash
// (-sim.check-decisions; a mismatch is a nondeterminism failure). dst run
// --check-decisions does the same over a sweep.
func TestDecisionReplayEveryWorkload(t *testing.T) {
	if sim.Describing() {
		t.Skip("not a workload")
	}
	n := 2
	if testing.Short() {
		n = 1
	}
	seeds := strconv.Itoa(n)
	for _, name := range describedWorkloads(t) {
		path := filepath.Join(t.TempDir(), "results.jsonl")
		out, err := exec.Command(os.Args[0], "-test.run="+sim.RunPattern(name), "-test.timeout=20m",
			"-sim.seeds="+seeds, "-sim.keep-going", "-sim.check-decisions", "-sim.json="+path).CombinedOutput()
		results := jsonResults(t, path)
		require.Equal(t, n, len(results), "%s: one line per seed; output:\n%s", name, out)
		for _, r := range results {
			require.NotEqual(t, string(sim.KindNondeterminism), r.Kind, "%s seed %d: %s", r.Test, r.Seed, r.Message)
		}
		if err != nil {
			t.Logf("%s: some seed failed, but none as nondeterminism (%v)", name, err)
		}
	}
}

// A decision file replays with one command: the run recorded to a file
// and replayed from it has the seed's hash, and the replay says so; a
// truncated file, or one of another version, stops the binary with
// status 2 and says why, instead of running something else.
func TestDecisionFileReplaysWithOneCommand(t *testing.T) {
	if sim.Describing() {
		t.Skip("not a workload")
	}
	dir := t.TempDir()
	file, seedJSON, replayJSON := filepath.Join(dir, "d.txt"), filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	out, err := exec.Command(os.Args[0], "-test.run=^TestHeartbeat$", "-sim.seed=3",
		"-sim.record-decisions="+file, "-sim.json="+seedJSON).CombinedOutput()
	require.NoError(t, err, "%s", out)
	out, err = exec.Command(os.Args[0], "-test.run=^TestHeartbeat$", "-test.v",
		"-sim.decisions="+file, "-sim.json="+replayJSON).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "as recorded")
	a, b := jsonResults(t, seedJSON), jsonResults(t, replayJSON)
	require.Equal(t, a[0].Hash, b[0].Hash)
	require.Equal(t, uint64(3), b[0].Seed)

	data, err := os.ReadFile(file)
	require.NoError(t, err)
	for _, c := range []struct{ name, text string }{
		{"truncated", string(data[:len(data)*2/3])},
		{"version 99", strings.Replace(string(data), "cdcsim-decisions 1", "cdcsim-decisions 99", 1)},
	} {
		name, text := c.name, c.text
		bad := filepath.Join(dir, "bad.txt")
		require.NoError(t, os.WriteFile(bad, []byte(text), 0o644))
		out, err := exec.Command(os.Args[0], "-test.run=^TestHeartbeat$", "-sim.decisions="+bad).CombinedOutput()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee, "%s: %s", name, out)
		require.Equal(t, 2, ee.ExitCode(), "%s: %s", name, out)
		require.Contains(t, string(out), name)
	}
}
