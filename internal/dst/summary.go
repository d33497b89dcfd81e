package dst

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cdcsim/cdcsim/sim"
)

// Stats sums up a sweep's records per workload and keeps its failures.
type Stats struct {
	byWorkload map[string]*WorkloadStats
	// Failures are the failing records, in the order they were recorded.
	Failures []Record
	// Warnings are workload-level checks that failed (ChunkResult).
	Warnings []string
	// Coverage sums the records' coverage and Sometimes (coverage.go).
	Coverage *CoverageStats
	// Guided counts the guided children among the records.
	Guided int
}

// WorkloadStats is one workload's line of the summary.
type WorkloadStats struct {
	Seeds, Passed int
	Kinds         map[string]int
	Steps         uint64
	// Wall is the sum of the seeds' wall times (as the test binary
	// measured them).
	Wall time.Duration
}

// NewStats returns empty stats over the workloads, in order.
func NewStats(workloads []string) *Stats {
	s := &Stats{byWorkload: map[string]*WorkloadStats{}, Coverage: newCoverageStats()}
	for _, w := range workloads {
		s.byWorkload[w] = &WorkloadStats{Kinds: map[string]int{}}
	}
	return s
}

// Add counts one record.
func (s *Stats) Add(r *Record) {
	ws := s.byWorkload[r.Test]
	if ws == nil {
		ws = &WorkloadStats{Kinds: map[string]int{}}
		s.byWorkload[r.Test] = ws
	}
	ws.Seeds++
	ws.Steps += r.Steps
	s.Coverage.Add(r)
	if len(r.Pins) > 0 {
		s.Guided++
	}
	ws.Wall += time.Duration(r.WallNS)
	if r.Failed() {
		ws.Kinds[r.Kind]++
		s.Failures = append(s.Failures, *r)
		return
	}
	ws.Passed++
}

// Seeds returns the number of records; Failed the number of failures.
func (s *Stats) Seeds() int {
	n := 0
	for _, ws := range s.byWorkload {
		n += ws.Seeds
	}
	return n
}

func (s *Stats) Failed() int { return len(s.Failures) }

// maxListed bounds the failures the summary prints one by one; the
// results file and the JUnit report have them all.
const maxListed = 50

// maxWarnings bounds the workload-level warnings printed: a workload's
// own check over its seeds may fail on many small chunks alike.
const maxWarnings = 5

// Print writes the summary: a table per workload (seeds, passed, failed
// by kind, steps, seeds per second of one process), then each failure
// with its kind, seed, message and the line that replays it.
func (s *Stats) Print(out io.Writer, h *Header, resultsPath string) {
	tw := tabwriter.NewWriter(out, 2, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tseeds\tpassed\tfailed\tsteps\tseeds/s per process\tfailures by kind\t")
	for _, w := range slices.Sorted(maps.Keys(s.byWorkload)) {
		ws := s.byWorkload[w]
		rate := "-"
		if ws.Wall > 0 {
			rate = fmt.Sprintf("%.2f", float64(ws.Seeds)/ws.Wall.Seconds())
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%s\t\n", w, ws.Seeds, ws.Passed, ws.Seeds-ws.Passed, ws.Steps, rate, kinds(ws.Kinds))
	}
	tw.Flush()
	for i, w := range s.Warnings {
		if i == maxWarnings {
			fmt.Fprintf(out, "... and %d more warnings\n", len(s.Warnings)-maxWarnings)
			break
		}
		fmt.Fprintf(out, "warning: %s\n", strings.TrimRight(w, "\n"))
	}
	s.Coverage.Print(out)
	if s.Guided > 0 {
		fmt.Fprintf(out, "guided: %d of the %d seeds were guided children\n", s.Guided, s.Seeds())
	}
	if len(s.Failures) == 0 {
		return
	}
	fmt.Fprintf(out, "\n%d failing seed(s):\n", len(s.Failures))
	failures := slices.Clone(s.Failures)
	slices.SortStableFunc(failures, func(a, b Record) int {
		return cmp.Or(strings.Compare(a.Test, b.Test), cmp.Compare(a.Seed, b.Seed))
	})
	for i, f := range failures {
		if i == maxListed {
			fmt.Fprintf(out, "... and %d more: see %s\n", len(s.Failures)-maxListed, firstNonEmpty(resultsPath, "the --json results file"))
			break
		}
		fmt.Fprintf(out, "%s seed %d: %s: %s\n", f.Test, f.Seed, f.Kind, firstLine(f.Message))
		fmt.Fprintf(out, "  replay: %s\n", ReplayLine(recordHeader(h, &f), f.Test, f.Seed, resultsPath))
	}
	fmt.Fprintln(out, "(dst shrink with a replay line's flags looks for a simpler configuration that fails the same way)")
}

func kinds(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s:%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}

// ReplayLine is the one command that replays a seed of a sweep, with its
// trace, from the module root. With a results file it names the file,
// which fixes the package and settings and checks the hash; without, it
// spells them out.
func ReplayLine(h *Header, workload string, seed uint64, resultsPath string) string {
	if resultsPath != "" {
		return fmt.Sprintf("go run ./cmd/dst replay --results %s --workload %s --seed %d", quoteArg(resultsPath), quoteArg(workload), seed)
	}
	var b strings.Builder
	b.WriteString("go run ./cmd/dst replay")
	if h.Pkg != DefaultPkg {
		b.WriteString(" --pkg " + quoteArg(h.Pkg))
	}
	fmt.Fprintf(&b, " --workload %s --seed %d", quoteArg(workload), seed)
	for _, p := range h.Set {
		b.WriteString(" --set " + quoteArg(p))
	}
	return b.String()
}

// GoTestLine is the same replay as a plain go test command.
func GoTestLine(h *Header, workload string, seed uint64) string {
	return fmt.Sprintf("go test %s -run '%s' -sim.seed=%d%s -sim.trace", h.Pkg, runPattern(workload), seed, sim.Pins(h.Set).Flags())
}

// quoteArg quotes a shell word only when it needs it.
func quoteArg(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.=/:,+", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
