package sim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// Option adjusts how Test runs a workload.
type Option func(*testOptions)

type testOptions struct {
	seeds     int
	configure []func(*Config)
}

// Seeds sets how many seeds Test runs when -sim.seeds is not given.
func Seeds(n int) Option { return func(o *testOptions) { o.seeds = n } }

// Configure adjusts every derived configuration before -sim.set pins are
// applied, for a workload that needs, say, a longer virtual-time budget.
func Configure(f func(*Config)) Option {
	return func(o *testOptions) { o.configure = append(o.configure, f) }
}

// Test runs body as the main task of one simulated run per seed. The
// seeds are chosen by the -sim.* flags: -sim.seed=N runs only N;
// otherwise -sim.seeds (default: the Seeds option, else 100) consecutive
// seeds from -sim.start (default 1) or from a fresh random seed with
// -sim.random.
//
// A failing seed is run again before it is reported, as rapid does. If the
// second run's hash differs, the failure is a nondeterminism bug and is
// reported as one, naming the first step where two runs diverged.
// Otherwise the report gives the seed, the whole derived configuration and
// the one command line that replays it.
func Test(t *testing.T, body func(w *World), opts ...Option) {
	t.Helper()
	o := testOptions{seeds: 100}
	for _, opt := range opts {
		opt(&o)
	}
	if flags.describe {
		describe(t, o)
		t.SkipNow()
	}
	dr := loadDecisionRun(t)
	seeds, err := selectSeeds(o.seeds)
	if err == nil {
		seeds, err = dr.seeds(seeds)
	}
	if err != nil {
		usageExit(err)
	}
	passed, ran := 0, 0
	var steps uint64
	began := time.Now()
	for _, seed := range seeds {
		ran++
		cfg, err := o.config(seed, dr.pins())
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		seedBegan := time.Now()
		hung := func(res *Result) { reportAbandoned(t, cfg, res, seedBegan) }
		res, f := runChecked(cfg, body, dr.decide(), flags.recheck, hung)
		dr.finish(t, res, cfg)
		if f == nil || f.Kind != KindNondeterminism {
			if bad := dr.check(cfg, body, res); bad != nil {
				f = bad
			}
		}
		writeJSON(t, res, f, time.Since(seedBegan))
		steps += res.Steps
		if f == nil {
			passed++
			continue
		}
		t.Errorf("%s", failureReport(t, cfg, res, f))
		if !flags.keepGoing {
			break
		}
	}
	t.Logf("%d of %d seeds passed (%d..%d), %d steps in %v", passed, ran, seeds[0], seeds[ran-1], steps, time.Since(began).Round(time.Millisecond))
	if ran < len(seeds) {
		t.Logf("stopped at the first failing seed: seeds %d..%d did not run (-sim.keep-going runs them)", seeds[ran], seeds[len(seeds)-1])
	}
}

// usageExit refuses a combination of -sim.* flags that each parsed but
// contradict one another, the way the flag package refuses a malformed
// one: a message on stderr and exit status 2, before any seed runs.
func usageExit(err error) {
	fmt.Fprintf(os.Stderr, "sim: %v\n", err)
	os.Exit(2)
}

// DescribePrefix starts the one line -sim.describe prints per workload:
// the prefix, then a WorkloadInfo as JSON.
const DescribePrefix = "sim.workload "

// WorkloadInfo is what -sim.describe says of one workload.
type WorkloadInfo struct {
	Test  string `json:"test"`  // the test's full name, subtests included
	Seeds int    `json:"seeds"` // its own seed count (the Seeds option, else 100)
}

// describe prints the workload's line to stdout, in one write so that
// lines of parallel subtests cannot interleave.
func describe(t *testing.T, o testOptions) {
	data, _ := json.Marshal(WorkloadInfo{Test: t.Name(), Seeds: o.seeds})
	os.Stdout.Write([]byte(DescribePrefix + string(data) + "\n"))
}

func (o *testOptions) config(seed uint64, filePins Pins) (Config, error) {
	cfg := DeriveConfig(seed)
	for _, f := range o.configure {
		f(&cfg)
	}
	if err := filePins.Apply(&cfg); err != nil {
		return cfg, err
	}
	if err := flags.pins.Apply(&cfg); err != nil {
		return cfg, err
	}
	cfg.Seed = seed // a pinned seed would otherwise hide the one being run
	return cfg, cfg.Validate()
}

// selectSeeds returns the seeds the flags ask for. A seed pinned with
// -sim.set=seed=N (the configuration block's seed line given back) runs
// that seed, as -sim.seed=N does; the two naming different seeds, or a
// range that would run past the largest seed and wrap to 0, is an error.
func selectSeeds(defaultCount int) ([]uint64, error) {
	if pinned, ok := flags.pins.seed(); ok {
		if flags.seed.set && flags.seed.v != pinned {
			return nil, fmt.Errorf("-sim.set=seed=%d and -sim.seed=%d name different seeds: give one", pinned, flags.seed.v)
		}
		return []uint64{pinned}, nil
	}
	if flags.seed.set {
		return []uint64{flags.seed.v}, nil
	}
	n := defaultCount
	if flags.seeds.set {
		n = flags.seeds.v
	}
	start := uint64(1)
	switch {
	case flags.start.set:
		start = flags.start.v
		if uint64(n-1) > math.MaxUint64-start {
			return nil, fmt.Errorf("-sim.start=%d with -sim.seeds=%d runs past the largest seed (%d): start lower or run fewer", start, n, uint64(math.MaxUint64))
		}
	case flags.random:
		// Fresh per process, printed in the log; drawn low enough that
		// the range does not wrap.
		start = 1 + new(maphash.Hash).Sum64()%(math.MaxUint64-uint64(n))
	}
	seeds := make([]uint64, n)
	for i := range seeds {
		seeds[i] = start + uint64(i)
	}
	return seeds, nil
}

// runChecked runs one seed and, when it fails or recheck is set, runs it
// again to tell a real failure from nondeterminism. It returns the first
// run's result and the failure to report (nil when the run passed and was
// deterministic).
// A run whose task never yields is abandoned by the watchdog, which
// calls hung (reportAbandoned) and does not come back.
func runChecked(cfg Config, body func(*World), d Decide, recheck bool, hung func(*Result)) (*Result, *Failure) {
	var trace io.Writer
	if flags.trace {
		trace = os.Stdout
		fmt.Fprintf(os.Stdout, "configuration:\n%s", indent(cfg.String(), "  "))
	}
	sink, closeRecords := recordsSink()
	first := runOnce(cfg, body, d, false, trace, hung, sink)
	closeRecords()
	if first.Failure == nil && !recheck {
		return first, nil
	}
	d.Record = false
	second := runOnce(cfg, body, d, true, nil, hung, nil)
	if second.Hash == first.Hash {
		return first, first.Failure
	}
	if f, ok := wallStopped(first, second); ok {
		return first, f
	}
	return first, divergence(cfg, body, d, first, second)
}

// wallStopped handles two runs of a seed that hashed differently when
// either was stopped by the wall-clock budget: where such a run ends
// depends on the machine's speed, so its hash says nothing about
// determinism (on a loaded machine a slow run ends early, a fast one
// goes on to its own failure). The first run's failure is reported, as
// not confirmed when the re-run was the one stopped, and nothing when a
// passing seed's recheck was. ok is false when neither run was stopped.
func wallStopped(first, second *Result) (f *Failure, ok bool) {
	switch {
	case isWallStop(first.Failure):
		c := *first.Failure
		c.Message += " (the re-run, not stopped by the wall clock, ended elsewhere: no determinism check)"
		return &c, true
	case isWallStop(second.Failure) && first.Failure == nil:
		return nil, true // a passing seed's recheck ran out of time: it passed
	case isWallStop(second.Failure):
		c := *first.Failure
		c.Message += " (not confirmed: the re-run was stopped by the wall-clock budget)"
		return &c, true
	}
	return nil, false
}

// isWallStop reports a failure of the wall-clock budget (world.go's
// check between steps; hang.go's watchdog abandons the process instead).
func isWallStop(f *Failure) bool { return f != nil && f.WallStop }

// runOnce runs one seed under the wall-clock watchdog (hang.go); hung
// nil reports an abandoned run on stderr and exits.
func runOnce(cfg Config, body func(*World), d Decide, record bool, trace io.Writer, hung func(*Result), sink func(Record)) *Result {
	w := NewDecided(cfg, d)
	if record {
		w.RecordSteps()
	}
	if trace != nil {
		w.TraceTo(trace)
	}
	if sink != nil {
		w.RecordTo(sink)
	}
	if hung == nil {
		hung = exitAbandoned
	}
	stop := w.watchHang(hung)
	defer stop()
	return w.Run(func() { body(w) })
}

// reportAbandoned reports a run the watchdog abandoned, as a failing
// seed is reported (its JSON line, then the report with its replay
// line), and ends the test process: the task that does not yield cannot
// be stopped, and would take a core from every seed after it. It runs on
// the watchdog's goroutine while the test's own is stuck in the run, so
// the report is written to stdout directly unless -test.v streams it.
func reportAbandoned(t *testing.T, cfg Config, res *Result, began time.Time) {
	writeJSON(t, res, res.Failure, time.Since(began))
	report := failureReport(t, cfg, res, res.Failure)
	if testing.Verbose() {
		t.Errorf("%s", report) // printed as it is logged
	} else {
		fmt.Fprintf(os.Stdout, "--- FAIL: %s\n%s", t.Name(), indent(report, "    "))
	}
	fmt.Fprintf(os.Stdout, "FAIL\t%s: seed %d abandoned; the seeds after it did not run in this process\n", t.Name(), cfg.Seed)
	os.Exit(1)
}

// CheckDeterminism runs cfg twice and returns a nondeterminism failure if
// the two runs differ, naming the first divergent step; nil if they agree.
func CheckDeterminism(cfg Config, body func(*World)) *Failure {
	a := runOnce(cfg, body, Decide{}, true, nil, nil, nil)
	b := runOnce(cfg, body, Decide{}, true, nil, nil, nil)
	if a.Hash == b.Hash {
		return nil
	}
	return divergence(cfg, body, Decide{}, a, b)
}

// divergence explains two runs of one seed that hashed differently. It
// runs the seed twice more with the text trace on, finds the first step
// whose hash differs between those two, and shows both runs' trace lines
// up to it. (The runs whose hashes first disagreed may have been traced
// differently, so the step is taken from two comparable runs.)
func divergence(cfg Config, body func(*World), d Decide, a, b *Result) *Failure {
	var ta, tb bytes.Buffer
	ra := runOnce(cfg, body, d, true, &capped{w: &ta, left: 64 << 20}, nil, nil)
	rb := runOnce(cfg, body, d, true, &capped{w: &tb, left: 64 << 20}, nil, nil)
	step, ok := firstDivergence(ra.StepHashes, rb.StepHashes)
	f := &Failure{Kind: KindNondeterminism, Step: step}
	if !ok {
		f.Message = fmt.Sprintf("the same seed hashed %016x and %016x; traced re-runs agreed on every step, so the divergence depends on tracing or happened once", a.Hash, b.Hash)
		return f
	}
	f.Message = fmt.Sprintf("the same seed hashed %016x and %016x; first divergent step is %d", a.Hash, b.Hash, step)
	f.Detail = "run A, trace up to the divergent step:\n" + traceAround(ta.String(), step) +
		"run B, trace up to the divergent step:\n" + traceAround(tb.String(), step)
	return f
}

// firstDivergence returns the first step at which two step-hash records
// differ, including one run being longer.
func firstDivergence(a, b []uint64) (uint64, bool) {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return uint64(i), true
		}
	}
	if len(a) != len(b) {
		return uint64(n), true
	}
	return 0, false
}

// traceAround returns the trace lines of the few steps up to and
// including step.
func traceAround(trace string, step uint64) string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(trace))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var s uint64
		if _, err := fmt.Sscan(sc.Text(), &s); err != nil {
			continue
		}
		if s+3 >= step && s <= step {
			out = append(out, "  "+sc.Text())
		}
		if s > step {
			break
		}
	}
	return strings.Join(out, "\n") + "\n"
}

// capped is a writer that stops keeping text after a limit, so a traced
// re-run of a long seed cannot exhaust memory.
type capped struct {
	w    io.Writer
	left int
}

func (c *capped) Write(p []byte) (int, error) {
	if c.left > 0 {
		n := min(len(p), c.left)
		c.w.Write(p[:n])
		c.left -= n
	}
	return len(p), nil
}

// failureReport renders a confirmed failure: what, where, the config
// block, and the replay line.
func failureReport(t *testing.T, cfg Config, res *Result, f *Failure) string {
	var b strings.Builder
	confirm := "confirmed by a second run with the same hash"
	switch {
	case f.Kind == KindNondeterminism:
		confirm = "a second run of the same seed did not repeat the first"
	case f.Abandoned:
		confirm = "not re-run: a second run would spin a second task that cannot be stopped"
	}
	fmt.Fprintf(&b, "seed %d failed (%s)\n", cfg.Seed, confirm)
	b.WriteString(f.Report())
	fmt.Fprintf(&b, "run: %d steps, virtual time %s, hash %016x\n", res.Steps, res.Time, res.Hash)
	b.WriteString("configuration:\n")
	b.WriteString(indent(cfg.String(), "  "))
	b.WriteString("replay:\n")
	if line := decisionReplayLine(t.Name()); line != "" {
		fmt.Fprintf(&b, "  %s\n", line)
	} else {
		fmt.Fprintf(&b, "  %s\n", ReplayCommand(t.Name(), cfg.Seed, flags.pins.Pins))
	}
	return b.String()
}

// ReplayCommand returns the go test command line that re-runs one seed of
// a test with its trace, from the module root.
// The -run pattern anchors and quotes each level of the name (RunPattern)
// and is quoted for the shell, so any subtest name is selected exactly.
func ReplayCommand(testName string, seed uint64, pins Pins) string {
	return fmt.Sprintf("go test %s -run %s -sim.seed=%d%s -sim.trace", packageDir(), shellQuote(RunPattern(testName)), seed, pins.Flags())
}

// RunPattern returns the go test -run pattern that selects exactly the
// test or subtest with this full name: each level between slashes
// anchored and with its regexp metacharacters quoted ("a(b)" is not the
// group "(b)"). The testing package splits a pattern at slashes outside
// brackets and parentheses and skips escaped characters, so a quoted
// level never splits.
func RunPattern(testName string) string {
	levels := strings.Split(testName, "/")
	for i, l := range levels {
		levels[i] = "^" + regexp.QuoteMeta(l) + "$"
	}
	return strings.Join(levels, "/")
}

// packageDir returns the test's package directory relative to the module
// root ("./sim"), found by walking up to go.mod.
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			rel, err := filepath.Rel(dir, wd)
			if err != nil || rel == "." {
				return "."
			}
			return "./" + filepath.ToSlash(rel)
		}
		if filepath.Dir(dir) == dir {
			return "."
		}
	}
}

// JSONVersion is stamped in every result line so that readers can reject
// lines from an incompatible writer. Version 1 gained wall_ns without a
// bump: the field is optional, and a reader of the older lines sees 0.
// Version 2 added cover, sometimes and config. A version-1 line is still
// a valid version-2 line without them (JSONCompatible), but a version-1
// reader, which refuses unknown fields, would misreport a version-2 line
// as corrupt: the bump makes it say "version 2" instead.
const JSONVersion = 2

// JSONCompatible reports whether a reader of JSONVersion reads a result
// line of version v.
func JSONCompatible(v int) bool { return v == 1 || v == JSONVersion }

// JSONResult is one line of -sim.json output. WallNS is the wall-clock
// time of the seed, its re-run included: it varies between runs, unlike
// every other field.
type JSONResult struct {
	Version int    `json:"v"`
	Test    string `json:"test"`
	Seed    uint64 `json:"seed"`
	Outcome string `json:"outcome"`
	Kind    string `json:"kind,omitempty"`
	Message string `json:"message,omitempty"`
	Steps   uint64 `json:"steps"`
	VTimeNS int64  `json:"vtime_ns"`
	Hash    string `json:"hash"`
	WallNS  int64  `json:"wall_ns,omitempty"`
	// Cover is every coverage point the run reached, with its hits
	// (sim.Coverage); Sometimes every Sometimes the run asked, and
	// whether it was reached. JSON writes map keys sorted, so the line is
	// deterministic.
	Cover     map[string]uint64 `json:"cover,omitempty"`
	Sometimes map[string]bool   `json:"sometimes,omitempty"`
	// Config is the run's whole configuration, one key=value per key in
	// print order, only with -sim.json-config (dst run --guided mutates
	// it).
	Config []string `json:"config,omitempty"`
	// Sites are the fault sites that were on in the run, with how often
	// each was reached and fired before the heal (optional, like WallNS).
	Sites []JSONSite `json:"sites,omitempty"`
}

// JSONSite is one fault site of a JSONResult.
type JSONSite struct {
	Name    string  `json:"name"`
	Rate    float64 `json:"rate"`
	Reached uint64  `json:"reached"`
	Fired   uint64  `json:"fired"`
}

// ConfigPins returns cfg as key=value pins in print order, seed aside.
func ConfigPins(cfg Config) []string {
	var out []string
	for _, k := range Keys() {
		if k == "seed" {
			continue
		}
		v, _ := cfg.Get(k)
		out = append(out, k+"="+v)
	}
	return out
}

var jsonOut struct {
	once sync.Once
	w    io.Writer
	err  error
	mu   sync.Mutex
}

func writeJSON(t *testing.T, res *Result, f *Failure, wall time.Duration) {
	if flags.json == "" {
		return
	}
	jsonOut.once.Do(func() {
		if flags.json == "-" {
			jsonOut.w = os.Stdout
			return
		}
		jsonOut.w, jsonOut.err = os.OpenFile(flags.json, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	})
	if jsonOut.err != nil {
		t.Fatalf("-sim.json: %v", jsonOut.err)
	}
	line := JSONResult{Version: JSONVersion, Test: t.Name(), Seed: res.Config.Seed, Outcome: "pass",
		Steps: res.Steps, VTimeNS: int64(res.Time), Hash: fmt.Sprintf("%016x", res.Hash), WallNS: wall.Nanoseconds()}
	if f != nil {
		line.Outcome, line.Kind, line.Message = "fail", string(f.Kind), f.Message
	}
	line.Cover, line.Sometimes = CoverageMap(res.Coverage), SometimesMap(res.Sometimes)
	if flags.jsonConfig {
		line.Config = ConfigPins(res.Config)
	}
	for _, s := range res.Sites {
		if s.On {
			line.Sites = append(line.Sites, JSONSite{s.Name, s.Rate, s.Reached, s.Fired})
		}
	}
	data, _ := json.Marshal(line)
	jsonOut.mu.Lock()
	defer jsonOut.mu.Unlock()
	if _, err := jsonOut.w.Write(append(data, '\n')); err != nil {
		t.Fatalf("-sim.json: %v", err)
	}
}
