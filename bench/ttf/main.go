// Command ttf measures time to find: how long dst run takes to reach
// the first failure of each canary bug (F1-F4) and of hazard H3, plain
// random against --guided, over several attempts from different start
// seeds, and prints the medians side by side.
//
//	go run ./bench/ttf -n 5 -time 10m
//
// Each attempt is one sweep of one workload, one process (--parallel 1,
// so a guided sweep is deterministic given its start seed), without the
// determinism re-run (--recheck=false), stopping at the first failure
// (--stop-on-failure). Time to find is counted two ways from the sweep's
// results file: the seeds run up to and including the first failure, and
// the wall time those seeds took (their wall_ns, the test binary's own
// measure, so the process starts between seeds are left out). An attempt
// that finds nothing within -time is censored: it counts as infinitely
// slow, so a median over attempts of which more than half found nothing
// is printed as "> budget".
//
// Attempt i of every target starts at seed -start + i*1000003 in both
// modes, so random and guided begin from the same plain seeds.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cdcsim/cdcsim/bench/stat"
	"github.com/cdcsim/cdcsim/internal/dst"
)

// target is one bug to find: the workload that finds it and the
// variants that put it in (see workloads/canary_*_test.go and
// FINDINGS.md for H3).
type target struct {
	name, workload string
	flags          []string
}

var targets = []target{
	{"F1", "^TestHeartbeat$", []string{"--bug", "f1-retry-unlocked"}},
	{"F2", "^TestHeartbeat$", []string{"--bug", "f2-retry-removed"}},
	{"F3", "^TestMerge$", []string{"--bug", "f3-callback-kept", "--patch", "h1,h3"}},
	{"F4", "^TestMerge$", []string{"--bug", "f4-probe-during-merge"}},
	{"H3", "^TestMerge$", []string{"--patch="}},
}

// attempt is one sweep's time to find; found false when censored.
type attempt struct {
	found bool
	seeds int
	wall  time.Duration
	kind  string
}

func main() {
	n := flag.Int("n", 5, "attempts per target and mode")
	budget := flag.Duration("time", 10*time.Minute, "wall-time budget of one attempt")
	start := flag.Uint64("start", 1, "start seed of attempt 0")
	only := flag.String("only", "", "comma-separated targets to measure (default: F1,F2,F3,F4,H3)")
	out := flag.String("dir", "", "keep the results files here (default: a temporary directory)")
	flag.Parse()
	dir := *out
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "ttf-"); err != nil {
			fail(err)
		}
		defer os.RemoveAll(dir)
	}
	tw := tabwriter.NewWriter(os.Stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "target\tmode\tfound\tmedian seeds\tmedian wall\tattempts (seeds/wall)\t")
	for _, tg := range targets {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), tg.name) {
			continue
		}
		for _, guided := range []bool{false, true} {
			var as []attempt
			for i := range *n {
				seed := *start + uint64(i)*1000003
				as = append(as, measure(tg, guided, seed, *budget, dir))
				fmt.Fprintf(os.Stderr, "ttf: %s guided=%t attempt %d (start %d): %+v\n", tg.name, guided, i, seed, as[len(as)-1])
			}
			fmt.Fprintln(tw, row(tg.name, guided, as, *budget))
		}
	}
	tw.Flush()
}

// measure runs one sweep and reads its time to find.
func measure(tg target, guided bool, seed uint64, budget time.Duration, dir string) attempt {
	path := filepath.Join(dir, fmt.Sprintf("%s-%t-%d.jsonl", tg.name, guided, seed))
	args := append([]string{"run", "--workload", tg.workload, "--seed-start", fmt.Sprint(seed), "--parallel", "1",
		"--time", budget.String(), "--recheck=false", "--stop-on-failure", "--json", path}, tg.flags...)
	if guided {
		args = append(args, "--guided")
	}
	var stdout, stderr bytes.Buffer
	code := dst.Main(args, &stdout, &stderr)
	if code == dst.ExitUsage {
		fail(fmt.Errorf("dst %s: %s", strings.Join(args, " "), stderr.String()))
	}
	_, recs, err := dst.ReadReport(path)
	if err != nil {
		fail(err)
	}
	var a attempt
	for _, r := range recs {
		a.seeds++
		a.wall += time.Duration(r.WallNS)
		if r.Failed() {
			a.found, a.kind = true, r.Kind
			return a
		}
	}
	return a
}

// row renders one target and mode: how many attempts found the bug, the
// medians, and each attempt.
func row(name string, guided bool, as []attempt, budget time.Duration) string {
	mode := "random"
	if guided {
		mode = "guided"
	}
	var seeds, walls []float64
	var each []string
	found := 0
	for _, a := range as {
		if !a.found {
			seeds, walls = append(seeds, math.Inf(1)), append(walls, math.Inf(1))
			each = append(each, fmt.Sprintf("-(%d seeds)", a.seeds))
			continue
		}
		found++
		seeds, walls = append(seeds, float64(a.seeds)), append(walls, a.wall.Seconds())
		each = append(each, fmt.Sprintf("%d/%.1fs", a.seeds, a.wall.Seconds()))
	}
	ms, mw := stat.CensoredMedian(seeds), stat.CensoredMedian(walls)
	medSeeds, medWall := fmt.Sprintf("%.1f", ms), fmt.Sprintf("%.1fs", mw)
	if math.IsInf(ms, 1) {
		medSeeds, medWall = "> budget", "> "+budget.String()
	}
	return fmt.Sprintf("%s\t%s\t%d/%d\t%s\t%s\t%s\t", name, mode, found, len(as), medSeeds, medWall, strings.Join(each, " "))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "ttf:", err)
	os.Exit(2)
}
