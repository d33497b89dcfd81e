package workloads

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/cdcsim/cdcsim/sim"
)

// CorpusFile is the regression corpus of this package, relative to the
// package directory (where go test runs): seeds that failed once, and a
// few that must keep passing, re-run by plain go test
// (TestRegressionCorpus). It holds one entry per line:
//
//	TEST SEED [KEY=VALUE ...] [@DECISIONS] EXPECT ["MESSAGE"] [# COMMENT]
//
// for example
//
//	TestSteady 31 patch= fail:liveness "CurrentEventServiceID: LocalReadyPending:true" # H3 on HEAD
//	TestSteady 31 patch=h3 pass # the same seed with the H3 patch
//
// Fields are separated by spaces or tabs; a # outside a quoted string
// starts a comment that runs to the end of the line, and blank or
// comment-only lines are skipped.
//
//   - TEST is the workload: the name of a Test function of package
//     workloads (TestSteady, TestChurn, ...). The entry runs that very
//     test, so the workload's own configuration (sim.Configure: Patched)
//     applies first.
//   - SEED is the seed, in decimal or 0x hex (as -sim.seed).
//   - KEY=VALUE are the variant's -sim.set pins, applied over the
//     workload's configuration in order: patch= (HEAD: no patches),
//     patch=h3, bug=f1-retry-unlocked, faults=lite, ... A value may be
//     empty and may contain commas (patch=h1,h3) but no spaces.
//   - @DECISIONS, optional, names a decision file (sim/decisions.go,
//     written by -sim.record-decisions or dst shrink --schedule) relative
//     to the package directory: the entry then replays that file's
//     decisions (-sim.decisions) instead of drawing from the seed, so a
//     shrunk schedule, its few decisions, is kept as a regression. The
//     file must name the same test, seed and pins (CheckDecisionFile).
//   - EXPECT is pass, or fail:KIND with KIND one of sim.Kinds (panic,
//     safety, liveness, nondeterminism, budget).
//   - MESSAGE, only after fail:KIND and required there, is a Go
//     double-quoted string that the failure message must contain: it pins
//     which failure it is, not just its kind.
//
// A seed is run exactly as
//
//	go test ./workloads -run '^TEST$' -sim.seed=SEED -sim.set=KEY=VALUE ...
//
// runs it, with -sim.recheck (so a passing entry is also a determinism
// check): TestRegressionCorpus runs the package's own test binary once
// per entry (Args), in parallel, and reads the seed's -sim.json line. Any
// Test function of the package is thus a workload the corpus can name,
// with no registry to keep in step. The outcome must be the expected one: an entry expected to
// fail that now passes (the bug was fixed: update the entry to pass, or
// delete it) fails the test as surely as a passing seed that regressed.
// Two entries with the same test, seed and pins are an error.
const CorpusFile = "testdata/regressions.txt"

// Entry is one line of the regression corpus.
type Entry struct {
	Line int    // 1-based line number in the file
	Test string // Test function of package workloads
	Seed uint64
	Pins sim.Pins // -sim.set settings, in order
	// Decisions is the decision file the entry replays, relative to the
	// package directory; "" for a seed run.
	Decisions string
	Expect    Expectation
	Comment   string // the text after #, trimmed
}

// Expectation is an entry's expected outcome.
type Expectation struct {
	Pass    bool
	Kind    sim.Kind // when !Pass
	Message string   // when !Pass: a substring of the failure message
}

func (x Expectation) String() string {
	if x.Pass {
		return "pass"
	}
	return fmt.Sprintf("fail:%s %s", x.Kind, strconv.Quote(x.Message))
}

// String renders the entry as a corpus line (without its comment's
// original spacing): ParseCorpus reads it back as the same entry.
func (e Entry) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d", e.Test, e.Seed)
	for _, p := range e.Pins {
		b.WriteString(" " + p)
	}
	if e.Decisions != "" {
		b.WriteString(" @" + e.Decisions)
	}
	b.WriteString(" " + e.Expect.String())
	if e.Comment != "" {
		b.WriteString(" # " + e.Comment)
	}
	return b.String()
}

// Args returns the test binary's arguments that run the entry and append
// its result, as a sim.JSONResult line, to jsonPath.
func (e Entry) Args(jsonPath string) []string {
	args := []string{"-test.run=" + runPattern(e.Test), "-test.count=1",
		"-sim.seed=" + strconv.FormatUint(e.Seed, 10), "-sim.recheck", "-sim.json=" + jsonPath}
	for _, p := range e.Pins {
		args = append(args, "-sim.set="+p)
	}
	if e.Decisions != "" {
		args = append(args, "-sim.decisions="+e.Decisions)
	}
	return args
}

// CheckDecisionFile checks that the entry's decision file, if it has
// one, reads and names the entry's test, seed and pins: an entry that
// says one run and replays another would mislead whoever reads it. dir
// is the package directory.
func (e Entry) CheckDecisionFile(dir string) error {
	if e.Decisions == "" {
		return nil
	}
	f, err := sim.LoadDecisions(filepath.Join(dir, e.Decisions))
	if err != nil {
		return err
	}
	switch {
	case f.Workload != e.Test:
		return fmt.Errorf("%s replays %s, the entry names %s", e.Decisions, f.Workload, e.Test)
	case f.Seed != e.Seed:
		return fmt.Errorf("%s replays seed %d, the entry names seed %d", e.Decisions, f.Seed, e.Seed)
	case !slices.Equal(f.Pins, e.Pins):
		return fmt.Errorf("%s pins %q, the entry %q", e.Decisions, f.Pins, e.Pins)
	}
	return nil
}

// Replay returns the command line that replays the entry with its trace,
// from the module root.
func (e Entry) Replay() string {
	if e.Decisions != "" {
		return fmt.Sprintf("go test ./workloads -run '%s' -sim.decisions=%s -sim.trace", sim.RunPattern(e.Test), e.Decisions)
	}
	return sim.ReplayCommand(e.Test, e.Seed, e.Pins)
}

// Check compares a run's result with the expectation.
func (e Entry) Check(r sim.JSONResult) error {
	got := r.Outcome
	if r.Outcome != "pass" {
		got = fmt.Sprintf("%s:%s: %s", r.Outcome, r.Kind, r.Message)
	}
	switch {
	case e.Expect.Pass && r.Outcome != "pass":
		return fmt.Errorf("expected pass, got %s", got)
	case e.Expect.Pass:
		return nil
	case r.Outcome == "pass":
		return fmt.Errorf("expected fail:%s, got pass: if a fix made this seed pass, change the entry to pass (or delete it)", e.Expect.Kind)
	case sim.Kind(r.Kind) != e.Expect.Kind:
		return fmt.Errorf("expected fail:%s, got %s", e.Expect.Kind, got)
	case !strings.Contains(r.Message, e.Expect.Message):
		return fmt.Errorf("expected a failure message containing %q, got %s", e.Expect.Message, got)
	}
	return nil
}

// LoadCorpus reads and parses a corpus file.
func LoadCorpus(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseCorpus(path, f)
}

// ParseCorpus parses a corpus read from r; name prefixes every error,
// which names the line ("testdata/regressions.txt:7: ..."). Every
// malformed line is reported, joined into one error.
func ParseCorpus(name string, r io.Reader) ([]Entry, error) {
	var entries []Entry
	var errs []error
	seen := map[string]int{}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		e, ok, err := parseEntry(sc.Text())
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %w", name, line, err))
			continue
		}
		if !ok {
			continue
		}
		e.Line = line
		key := fmt.Sprintf("%s %d %q %s", e.Test, e.Seed, e.Pins, e.Decisions)
		if prev, dup := seen[key]; dup {
			errs = append(errs, fmt.Errorf("%s:%d: duplicate of line %d (same test, seed, pins and decisions)", name, line, prev))
			continue
		}
		seen[key] = line
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", name, err))
	}
	return entries, errors.Join(errs...)
}

// testName is a Test function, optionally with subtest names
// (TestProbing/sharing=false), as go test -list and dst name them.
//
//dst:allow package-state: compiled once and only read, so no run can leave anything in it
var testName = regexp.MustCompile(`^Test[A-Za-z0-9_]*(/[^\s/]+)*$`)

// parseEntry parses one line; ok is false for a blank or comment line.
func parseEntry(text string) (e Entry, ok bool, err error) {
	toks, comment, err := tokenize(text)
	if err != nil || len(toks) == 0 {
		return e, false, err
	}
	e.Comment = comment
	if len(toks) < 3 {
		return e, false, fmt.Errorf("want TEST SEED [KEY=VALUE ...] [@DECISIONS] EXPECT [\"MESSAGE\"], got %d fields", len(toks))
	}
	if toks[0].quoted || !testName.MatchString(toks[0].s) {
		return e, false, fmt.Errorf("workload %q is not the name of a Test function", toks[0].s)
	}
	e.Test = toks[0].s
	if toks[1].quoted {
		return e, false, fmt.Errorf("seed %q must not be quoted", toks[1].s)
	}
	if e.Seed, err = sim.ParseSeed(toks[1].s); err != nil {
		return e, false, err
	}
	i := 2
	for ; i < len(toks) && !toks[i].quoted && strings.Contains(toks[i].s, "="); i++ {
		if err := checkPin(toks[i].s); err != nil {
			return e, false, fmt.Errorf("pin %q: %w", toks[i].s, err)
		}
		e.Pins = append(e.Pins, toks[i].s)
	}
	if i < len(toks) && !toks[i].quoted && strings.HasPrefix(toks[i].s, "@") {
		if e.Decisions = toks[i].s[1:]; e.Decisions == "" || filepath.IsAbs(e.Decisions) {
			return e, false, fmt.Errorf("decision file %q: want @PATH, relative to the package directory", toks[i].s)
		}
		i++
	}
	if i == len(toks) {
		return e, false, errors.New("missing the expected outcome (pass or fail:KIND)")
	}
	x, rest := toks[i], toks[i+1:]
	switch kind, isFail := strings.CutPrefix(x.s, "fail:"); {
	case x.quoted:
		return e, false, fmt.Errorf("expected outcome %q must not be quoted", x.s)
	case x.s == "pass":
		e.Expect.Pass = true
		if len(rest) > 0 {
			return e, false, fmt.Errorf("unexpected %q after pass (a message goes only with fail:KIND)", rest[0].s)
		}
	case isFail:
		if !slices.Contains(sim.Kinds, sim.Kind(kind)) {
			return e, false, fmt.Errorf("unknown failure kind %q (want one of %v)", kind, sim.Kinds)
		}
		e.Expect.Kind = sim.Kind(kind)
		if len(rest) == 0 || !rest[0].quoted || rest[0].s == "" {
			return e, false, fmt.Errorf("fail:%s needs a quoted, non-empty substring of the failure message", kind)
		}
		e.Expect.Message = rest[0].s
		if len(rest) > 1 {
			return e, false, fmt.Errorf("unexpected %q after the message", rest[1].s)
		}
	default:
		return e, false, fmt.Errorf("expected outcome %q is neither pass nor fail:KIND", x.s)
	}
	return e, true, nil
}

// checkPin checks one key=value pin as -sim.set does.
func checkPin(kv string) error {
	c := sim.DefaultConfig(0)
	if err := (sim.Pins{kv}).Apply(&c); err != nil {
		return err
	}
	return c.Validate()
}

type token struct {
	s      string
	quoted bool
}

// tokenize splits a line into fields: runs of non-space characters, or
// Go double-quoted strings (unquoted), up to an unquoted #.
func tokenize(line string) (toks []token, comment string, err error) {
	for s := line; ; {
		s = strings.TrimLeft(s, " \t\r")
		switch {
		case s == "":
			return toks, "", nil
		case s[0] == '#':
			return toks, strings.TrimSpace(s[1:]), nil
		case s[0] == '"':
			q, err := strconv.QuotedPrefix(s)
			if err != nil {
				return nil, "", fmt.Errorf("unterminated or malformed quoted string at %q", s)
			}
			u, _ := strconv.Unquote(q)
			toks = append(toks, token{u, true})
			s = s[len(q):]
			if s != "" && !strings.ContainsRune(" \t\r#", rune(s[0])) {
				return nil, "", fmt.Errorf("no space after the quoted string %s", q)
			}
		default:
			n := strings.IndexAny(s, " \t\r")
			if n < 0 {
				n = len(s)
			}
			f := s[:n]
			if strings.ContainsRune(f, '"') {
				return nil, "", fmt.Errorf("stray quote in %q", f)
			}
			if h := strings.IndexByte(f, '#'); h >= 0 {
				// a # glued to a field still starts the comment
				f, n = f[:h], h
			}
			if f != "" {
				toks = append(toks, token{f, false})
			}
			s = s[n:]
		}
	}
}

// runPattern is the -test.run pattern that selects exactly the test
// name (each level of a subtest name anchored and quoted).
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}
