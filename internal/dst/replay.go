package dst

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// cmdReplay re-runs one seed with its text trace. The trace lines can be
// filtered to one node (its lines, and the model's notes that name it:
// "n2 collector: ...") and one dispatcher (the lines that name it, d9). With --results the package and the settings come
// from the results file and the run's hash is checked against the seed's
// record: a mismatch exits 1 with both hashes. With --decisions FILE the
// workload, seed and settings come from the decision file, the run
// replays its decisions, and the hash is checked against the file's.
// The last line is always hash=<16 hex digits>.
func cmdReplay(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dst replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sf := addSeedFlags(fs, "a results file: take the package and settings from it and check the hash")
	node := fs.String("node", "", "show only the trace lines of this node, or that name it")
	disp := fs.String("dispatcher", "", "show only the trace lines that name this dispatcher (d9, or 9)")
	htmlOut := fs.String("html", "", "also write the run's timeline page to this file (as dst timeline -o)")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	tg, err := sf.resolve(fs, "replay", stderr)
	if err != nil {
		return err
	}
	workload, seed, bin, h := tg.workload, tg.seed, tg.bin, tg.header
	var want *Record
	if h != nil {
		if i := slices.IndexFunc(tg.records, func(r Record) bool { return r.Test == workload && r.Seed == seed }); i >= 0 {
			want = &tg.records[i]
		} else {
			fmt.Fprintf(stderr, "dst: warning: %s has no record of %s seed %d; the hash is not checked\n", *sf.results, workload, seed)
		}
		if bin.Version != h.Binary {
			fmt.Fprintf(stderr, "dst: warning: %s was recorded by test binary version %.16s; this build is %.16s, so the hash may legitimately differ\n", *sf.results, h.Binary, bin.Version)
		}
	}
	filter := newTraceFilter(*node, *disp)
	var got *Record
	if *htmlOut != "" {
		got, err = writeTimeline(tg, *htmlOut, true, filter.keep, stdout, stderr)
	} else {
		got, err = runSeedArgs(context.Background(), bin, workload, seed, tg.pins, tg.extraArgs(), true, filter.keep, stdout, stderr)
	}
	if err != nil {
		return err
	}
	if *htmlOut != "" {
		fmt.Fprintf(stdout, "timeline written to %s\n", *htmlOut)
	}
	fmt.Fprintf(stdout, "%s seed %d: %s", workload, seed, got.Outcome)
	if got.Failed() {
		fmt.Fprintf(stdout, " (%s): %s", got.Kind, firstLine(got.Message))
	}
	fmt.Fprintln(stdout)
	source := *sf.results // what recorded the hash to check
	if f := tg.decisions; f != nil && f.Hash != "" {
		want, source = &Record{}, *sf.decisions
		want.Hash = f.Hash
	}
	mismatch := want != nil && want.Hash != "" && want.Hash != got.Hash
	if mismatch {
		fmt.Fprintf(stdout, "hash mismatch: %s recorded %s, the replay hashed %s", source, want.Hash, got.Hash)
		if h != nil && bin.Version == h.Binary || tg.decisions != nil && bin.Version == tg.decisions.Binary {
			fmt.Fprint(stdout, " with the same binary: nondeterminism")
		}
		fmt.Fprintln(stdout)
	} else if want != nil && want.Hash != "" {
		fmt.Fprintf(stdout, "hash matches %s\n", source)
	}
	fmt.Fprintf(stdout, "hash=%s\n", got.Hash)
	filter.warn(stderr)
	if mismatch || got.Failed() {
		return errFailures // as the exit-status doc says: failures found
	}
	return nil
}

// seedWatchdog bounds one seed's process in replay, shrink and diff, as
// dst run's --seed-timeout does in a sweep (the same default). A
// variable so that a test can shorten it.
var seedWatchdog = 10 * time.Minute

// runSeed runs one seed of a workload in a process of its own (with
// -sim.trace when trace is set), copies the output to stdout through the
// filter, and returns the seed's result line.
// A nil keep keeps nothing. When ctx ends the process is killed, and so
// it is after seedWatchdog: the simulator's own wall budget ends a run
// that hangs in the scheduler, this ends one that hangs anywhere else.
func runSeed(ctx context.Context, bin *Binary, workload string, seed uint64, pins []string, trace bool, keep func(string) bool, stdout, stderr io.Writer) (*Record, error) {
	return runSeedArgs(ctx, bin, workload, seed, pins, nil, trace, keep, stdout, stderr)
}

// runSeedArgs is runSeed with extra test-binary flags (dst timeline's
// -sim.records=FILE).
func runSeedArgs(ctx context.Context, bin *Binary, workload string, seed uint64, pins, extra []string, trace bool, keep func(string) bool, stdout, stderr io.Writer) (*Record, error) {
	if keep == nil {
		keep = func(string) bool { return false }
	}
	ctx, cancel := context.WithTimeout(ctx, seedWatchdog)
	defer cancel()
	dir, err := os.MkdirTemp("", "dst-replay-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	js := filepath.Join(dir, "result.jsonl")
	args := []string{"-test.run", runPattern(workload), "-test.count=1", "-test.timeout=0",
		fmt.Sprintf("-sim.seed=%d", seed), "-sim.json=" + js}
	if trace {
		args = append(args, "-sim.trace")
	}
	for _, p := range pins {
		args = append(args, "-sim.set="+p)
	}
	args = append(args, extra...)
	cmd := exec.CommandContext(ctx, bin.Path, args...)
	cmd.Dir, cmd.Stderr, cmd.WaitDelay = bin.Dir, stderr, time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(out, 64<<10)
	bw := bufio.NewWriterSize(stdout, 64<<10)
	for {
		line, err := br.ReadString('\n')
		if line != "" && keep(line) {
			bw.WriteString(line)
		}
		if err != nil {
			break
		}
	}
	bw.Flush()
	waitErr := cmd.Wait()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return nil, fmt.Errorf("%s seed %d gave no result within %v: killed", workload, seed, seedWatchdog)
	}
	data, err := os.ReadFile(js)
	if err != nil {
		return nil, fmt.Errorf("the replay wrote no result (%v): %v", waitErr, err)
	}
	var rec Record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("the replay's result line: %v", err)
	}
	return &rec, nil
}

// traceLine matches a trace line: step, virtual time, node, kind, fields.
var traceLine = regexp.MustCompile(`^\s*\d+\s+\S+s\s+(\S+)\s+\S+\s?(.*)$`)

// traceFilter keeps every line that is not a trace line (the
// configuration block, the failure report) and the trace lines of the
// node and dispatcher asked for. It remembers the nodes it saw and
// whether anything matched, so that a name no line has (a typo, n9 of
// three nodes) is said rather than met with an empty trace.
type traceFilter struct {
	node, disp         string
	nodeWord, dispWord *regexp.Regexp
	nodes              []string
	nodeSeen, dispSeen bool
}

func newTraceFilter(node, disp string) *traceFilter {
	if disp != "" && disp[0] >= '0' && disp[0] <= '9' {
		disp = "d" + disp
	}
	return &traceFilter{node: node, disp: disp, nodeWord: wordRegexp(node), dispWord: wordRegexp(disp)}
}

// keep reports whether line is shown.
func (f *traceFilter) keep(line string) bool {
	m := traceLine.FindStringSubmatch(strings.TrimSuffix(line, "\n"))
	if m == nil {
		return true
	}
	if m[1] != "-" && !slices.Contains(f.nodes, m[1]) {
		f.nodes = append(f.nodes, m[1])
	}
	nodeOK := f.node == "" || m[1] == f.node || f.nodeWord.MatchString(m[2])
	dispOK := f.disp == "" || f.dispWord.MatchString(m[2])
	f.nodeSeen = f.nodeSeen || f.node != "" && nodeOK
	f.dispSeen = f.dispSeen || f.disp != "" && dispOK
	return nodeOK && dispOK
}

// warn says which asked-for name no trace line had.
func (f *traceFilter) warn(stderr io.Writer) {
	if f.node != "" && !f.nodeSeen {
		slices.Sort(f.nodes)
		fmt.Fprintf(stderr, "dst: warning: no trace line names node %q; the nodes are: %s\n", f.node, strings.Join(f.nodes, ", "))
	}
	if f.disp != "" && !f.dispSeen {
		fmt.Fprintf(stderr, "dst: warning: no trace line names dispatcher %q\n", f.disp)
	}
}

func regexpQuote(s string) string { return regexp.QuoteMeta(s) }

// wordRegexp matches s as a whole word ("d9", not "d91").
func wordRegexp(s string) *regexp.Regexp {
	return regexp.MustCompile(`(^|\W)` + regexp.QuoteMeta(s) + `(\W|$)`)
}
