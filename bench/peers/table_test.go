package peers_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cdcsim/cdcsim/bench/peers"
	"github.com/cdcsim/cdcsim/bench/stat"
)

// tableConfig is the measurement's configuration, from the environment
// that run.sh sets (every variable has a default).
type tableConfig struct {
	raceBin       string        // PEERS_RACE_BIN: this package's test binary built with -race (the peers run there)
	attempts      int           // PEERS_ATTEMPTS
	limit         time.Duration // PEERS_CAP: per attempt and tool
	stressScale   float64       // PEERS_STRESS_SCALE
	synctestScale float64       // PEERS_SYNCTEST_SCALE
	replays       int           // PEERS_REPLAYS
	bugs          []string      // PEERS_BUGS (comma-separated)
	tools         []string      // PEERS_TOOLS (comma-separated, of cdcsim, cdcsim2, stress, synctest)
	out, jsonOut  string        // PEERS_OUT (markdown), PEERS_JSON (one line per hunt)
}

var allTools = []string{"cdcsim", "cdcsim2", "stress", "synctest"} //dst:allow package-state: a read-only table

func readTableConfig(t *testing.T) tableConfig {
	c := tableConfig{
		raceBin:       os.Getenv("PEERS_RACE_BIN"),
		attempts:      envInt(t, "PEERS_ATTEMPTS", 5),
		limit:         envDuration(t, "PEERS_CAP", 30*time.Second),
		stressScale:   envFloat(t, "PEERS_STRESS_SCALE", 0.02),
		synctestScale: envFloat(t, "PEERS_SYNCTEST_SCALE", 1),
		replays:       envInt(t, "PEERS_REPLAYS", 5),
		bugs:          peers.Bugs,
		tools:         allTools,
		out:           os.Getenv("PEERS_OUT"),
		jsonOut:       os.Getenv("PEERS_JSON"),
	}
	if s := os.Getenv("PEERS_BUGS"); s != "" {
		c.bugs = strings.Split(s, ",")
	}
	if s := os.Getenv("PEERS_TOOLS"); s != "" {
		c.tools = strings.Split(s, ",")
	}
	if c.raceBin == "" {
		c.raceBin = os.Args[0]
	}
	return c
}

// TestPeersTable drives the measurement (run.sh): for each bug, attempts
// rounds of every tool, one after the other so that the machine's load
// falls on all of them alike; then each peer's replay; then the table.
func TestPeersTable(t *testing.T) {
	if os.Getenv("PEERS_TABLE") == "" {
		t.Skip("the measurement: run bench/peers/run.sh")
	}
	cfg := readTableConfig(t)
	var jsonl *os.File
	if cfg.jsonOut != "" {
		f, err := os.Create(cfg.jsonOut)
		require.NoError(t, err)
		defer f.Close()
		jsonl = f
	}
	record := func(h peers.Hunt) {
		line, _ := json.Marshal(h)
		if jsonl != nil {
			fmt.Fprintf(jsonl, "%s\n", line)
		}
		fmt.Fprintf(os.Stderr, "%s\n", line)
	}
	results := map[string]map[string][]peers.Hunt{} // bug -> tool -> attempts
	replays := map[string]map[string]peers.Hunt{}   // bug -> peer -> replay
	began := time.Now()
	for _, bug := range cfg.bugs {
		results[bug], replays[bug] = map[string][]peers.Hunt{}, map[string]peers.Hunt{}
		for a := range cfg.attempts {
			for _, tool := range cfg.tools {
				h := cfg.hunt(t, tool, bug, a)
				record(h)
				results[bug][tool] = append(results[bug][tool], h)
			}
		}
		for _, tool := range cfg.tools {
			if tool == "stress" || tool == "synctest" {
				replays[bug][tool] = cfg.replay(t, tool, bug)
				record(replays[bug][tool])
			}
		}
	}
	table := cfg.render(results, replays, time.Since(began))
	fmt.Println(table)
	if cfg.out != "" {
		require.NoError(t, os.WriteFile(cfg.out, []byte(table), 0o644))
	}
}

// replay reruns a peer's test for the bug replays times, each in a fresh
// process as `go test -race -run ...` would (the first real run of a
// process meets a cold runtime, which changes the timing: see
// BENCHMARKS.md), one run each, and counts the runs that see the bug.
func (c tableConfig) replay(t *testing.T, tool, bug string) peers.Hunt {
	sum := peers.Hunt{Tool: tool, Bug: bug}
	for range c.replays {
		h := c.worker(t, c.raceBin, map[string]string{"PEERS_TOOL": tool, "PEERS_BUG": bug, "PEERS_MODE": "replay",
			"PEERS_REPLAYS": "1", "PEERS_SCALE": fmt.Sprint(c.scale(tool))})
		sum.Runs, sum.Replays, sum.Replayed = sum.Runs+h.Runs, sum.Replays+h.Replays, sum.Replayed+h.Replayed
	}
	return sum
}

func (c tableConfig) scale(tool string) float64 {
	if tool == "synctest" {
		return c.synctestScale
	}
	return c.stressScale
}

// hunt runs attempt a of one tool at one bug. cdcsim's attempt a starts
// at seed 1+1000a (attempt 0 is the canary's own sequence); cdcsim2 runs
// the same seeds as two processes (odd and even offsets), stopping both
// at the first detection, whose in-process time it reports.
func (c tableConfig) hunt(t *testing.T, tool, bug string, a int) peers.Hunt {
	start := 1 + 1000*a
	env := map[string]string{"PEERS_BUG": bug, "PEERS_CAP": c.limit.String(), "PEERS_REPLAYS": fmt.Sprint(c.replays)}
	switch tool {
	case "cdcsim":
		env["PEERS_TOOL"], env["PEERS_START"], env["PEERS_STRIDE"] = "cdcsim", fmt.Sprint(start), "1"
		return c.worker(t, os.Args[0], env)
	case "cdcsim2":
		env["PEERS_TOOL"], env["PEERS_STRIDE"] = "cdcsim", "2"
		h := c.race2(t, env, start)
		h.Tool = "cdcsim2"
		return h
	case "stress", "synctest":
		env["PEERS_TOOL"], env["PEERS_SCALE"] = tool, fmt.Sprint(c.scale(tool))
		return c.worker(t, c.raceBin, env)
	}
	t.Fatalf("unknown tool %q", tool)
	return peers.Hunt{}
}

// worker runs one TestHunt process and returns its result.
func (c tableConfig) worker(t *testing.T, bin string, env map[string]string) peers.Hunt {
	cmd := c.command(bin, env)
	out, err := cmd.Output()
	h, ok := parseResult(string(out))
	require.True(t, ok, "worker %v: %v\n%s", env, err, out)
	return h
}

func (c tableConfig) command(bin string, env map[string]string) *exec.Cmd {
	// A worker's own bound: the cap, plus its last run, plus slack.
	ctx, cancel := context.WithTimeout(context.Background(), 2*c.limit+15*time.Minute)
	_ = cancel // released when the process ends; the context only kills a hung worker
	cmd := exec.CommandContext(ctx, bin, "-test.run=^TestHunt$", "-test.timeout=0")
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stderr = os.Stderr
	return cmd
}

// race2 runs two cdcsim workers over interleaved seeds (start, start+2,
// ... and start+1, start+3, ...) at once and returns the first
// detection; the other worker is killed then.
func (c tableConfig) race2(t *testing.T, env map[string]string, start int) peers.Hunt {
	type res struct {
		h  peers.Hunt
		ok bool
	}
	done := make(chan res, 2)
	var cmds []*exec.Cmd
	for p := range 2 {
		e := map[string]string{"PEERS_START": fmt.Sprint(start + p)}
		for k, v := range env {
			e[k] = v
		}
		cmd := c.command(os.Args[0], e)
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		cmds = append(cmds, cmd)
		go func() {
			sc := bufio.NewScanner(stdout)
			var all strings.Builder
			for sc.Scan() {
				all.WriteString(sc.Text() + "\n")
			}
			h, ok := parseResult(all.String())
			done <- res{h, ok}
		}()
	}
	var got []peers.Hunt
	for range 2 {
		r := <-done
		if r.ok {
			got = append(got, r.h)
			if r.h.Found {
				break
			}
		}
	}
	for _, cmd := range cmds {
		_ = cmd.Process.Kill() // the slower worker, by its own process
		_ = cmd.Wait()
	}
	require.NotEmpty(t, got, "neither cdcsim worker reported")
	best := got[0]
	for _, h := range got[1:] {
		if h.Found && (!best.Found || h.Seconds < best.Seconds) {
			best = h
		}
	}
	if !best.Found {
		runs := 0
		for _, h := range got {
			runs += h.Runs
		}
		best.Runs = runs
	}
	return best
}

func parseResult(out string) (peers.Hunt, bool) {
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, "PEERS-RESULT "); ok {
			var h peers.Hunt
			if json.Unmarshal([]byte(rest), &h) == nil {
				return h, true
			}
		}
	}
	return peers.Hunt{}, false
}

// median returns the median detection time over attempts, +Inf when
// more than half did not find the bug within the cap.
func median(hs []peers.Hunt) float64 {
	var v []float64
	for _, h := range hs {
		if h.Found {
			v = append(v, h.Seconds)
		} else {
			v = append(v, math.Inf(1))
		}
	}
	if len(v) == 0 {
		return math.Inf(1)
	}
	return stat.CensoredMedian(v)
}

func found(hs []peers.Hunt) int {
	n := 0
	for _, h := range hs {
		if h.Found {
			n++
		}
	}
	return n
}

// render writes the markdown table: per bug and tool the median time to
// detect, the share found within the cap, the runs (seeds or real runs)
// per attempt, the replay; then per bug the ratio of the better peer's
// median to cdcsim's (a lower bound, cap / cdcsim, when no peer's median
// is finite).
func (c tableConfig) render(results map[string]map[string][]peers.Hunt, replays map[string]map[string]peers.Hunt, took time.Duration) string {
	var b strings.Builder
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Fprintf(&b, "Run of %s (took %s): %d attempts per bug and tool, cap %s per attempt, stress scale %g under -race, synctest scale %g under -race, cdcsim without -race; GOMAXPROCS %d, %s, load average at the end %s\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), took.Round(time.Second), c.attempts, c.limit, c.stressScale, c.synctestScale, runtime.GOMAXPROCS(0), runtime.Version(), strings.Join(strings.Fields(string(load))[:3], " "))
	b.WriteString("| bug | tool | median time to detect | found within cap | runs per attempt | other failures | replay |\n|---|---|---|---|---|---|---|\n")
	for _, bug := range c.bugs {
		for _, tool := range c.tools {
			hs := results[bug][tool]
			var runs []string
			other := 0
			for _, h := range hs {
				runs = append(runs, fmt.Sprint(h.Runs))
				other += h.Other
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %d/%d | %s | %d | %s |\n", bug, toolName(tool), fmtSeconds(median(hs), c.limit), found(hs), len(hs), strings.Join(runs, ", "), other, replayCell(tool, hs, replays[bug][tool]))
		}
	}
	b.WriteString("\n| bug | better peer | cdcsim, 1 process | cdcsim, 2 processes |\n|---|---|---|---|\n")
	for _, bug := range c.bugs {
		peer, pm := "", math.Inf(1)
		for _, tool := range []string{"stress", "synctest"} {
			if m := median(results[bug][tool]); len(results[bug][tool]) > 0 && (peer == "" || m < pm) {
				peer, pm = tool, m
			}
		}
		fmt.Fprintf(&b, "| `%s` | %s (%s) | %s | %s |\n", bug, toolName(peer), fmtSeconds(pm, c.limit),
			ratio(pm, median(results[bug]["cdcsim"]), c.limit), ratio(pm, median(results[bug]["cdcsim2"]), c.limit))
	}
	return b.String()
}

func toolName(tool string) string {
	switch tool {
	case "cdcsim":
		return "cdcsim, 1 process"
	case "cdcsim2":
		return "cdcsim, 2 processes"
	case "stress":
		return "stress (real time, -race)"
	case "synctest":
		return "testing/synctest (-race)"
	}
	return tool
}

func fmtSeconds(s float64, limit time.Duration) string {
	if math.IsInf(s, 1) {
		return "> " + limit.String()
	}
	return fmt.Sprintf("%.2f s", s)
}

func ratio(peer, sim float64, limit time.Duration) string {
	switch {
	case math.IsInf(sim, 1):
		return "cdcsim not found"
	case math.IsInf(peer, 1):
		return fmt.Sprintf("≥ %.0f× (lower bound: cap / cdcsim)", limit.Seconds()/sim)
	}
	return fmt.Sprintf("%.1f×", peer/sim)
}

func replayCell(tool string, hs []peers.Hunt, replay peers.Hunt) string {
	if tool == "cdcsim" || tool == "cdcsim2" {
		n, k := 0, 0
		for _, h := range hs {
			n, k = n+h.Replays, k+h.Replayed
		}
		if n == 0 {
			return "nothing to replay"
		}
		return fmt.Sprintf("%d/%d same hash", k, n)
	}
	return fmt.Sprintf("%d/%d runs found it again", replay.Replayed, replay.Replays)
}
