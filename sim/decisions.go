package sim

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// This file is the decision file: a run's decisions written down as a
// sequence, so that the run can be replayed from them instead of from its
// seed, and rewritten (toward the defaults) by a shrinker. A decision is
// one draw from one labelled random stream (decisions_replay.go says how
// draws are served); the scheduler's pick, each fault's fate and every
// other random choice of a run are such draws, so the sequence is all a
// run decides. The format is line-oriented text, version 1:
//
//	cdcsim-decisions 1
//	workload TestHeartbeat
//	seed 14
//	binary 3f2a...        (the test binary's sha256, or -)
//	set bug=f1-retry-unlocked   (one line per -sim.set pin, in order)
//	stream 0 sim/scheduler      (a stream's number, then its label)
//	3 0 p 9e3779b97f4a7c15 t7/3@0   (step, stream, kind, value in hex;
//	                            for a pick the ids of the task it ran and
//	                            of the oldest runnable one, and the time)
//	812 1 c -                   (value -: the default for the kind)
//	end 2 8f0c...               (decision count, then the run's hash or -)
//
// A stream line comes before the first decision that names its number.
// Kinds: d a plain draw (default: a draw of 0), p the scheduler's pick
// (default: the oldest runnable task), c a fault's chance (default: no
// fault), g the wait before the next fault (default: a wait far beyond
// the run). A pick's task ids and time let a replay of a rewritten file
// apply it where it means the same, "task 7 ran at time T", when earlier
// changes moved the pick (the value is only an index into the runnable
// set). The end line makes a truncated file an error rather than a
// shorter run; its hash is the hash of the run that wrote the file, which
// a replay of the unchanged file must reproduce.

// DecisionsMagic starts the first line of every decision file;
// DecisionsVersion follows it. A reader refuses another version.
const (
	DecisionsMagic   = "cdcsim-decisions"
	DecisionsVersion = 1
)

// DrawKind says what a draw decides, and so what its default is.
type DrawKind byte

const (
	DrawPlain  DrawKind = 'd' // any other draw: default, a draw of 0
	DrawPick   DrawKind = 'p' // the scheduler's pick: default, the oldest runnable task
	DrawChance DrawKind = 'c' // whether a fault happens: default, no fault
	DrawGap    DrawKind = 'g' // the wait before the next fault: default, a wait beyond the run
)

func (k DrawKind) valid() bool {
	return k == DrawPlain || k == DrawPick || k == DrawChance || k == DrawGap
}

// Decision is one draw of a run.
type Decision struct {
	Step   uint64 // the step during which it was drawn
	Stream int32  // index into DecisionFile.Streams
	Kind   DrawKind
	// Default is set when the draw is (or is to be) the kind's default
	// rather than Value.
	Default bool
	Value   uint64
	// Task is, for a pick, the id of the task it ran, Oldest the id of
	// the oldest runnable task then (the default's), and At the virtual
	// time (0 and 0: not known). A replay of a rewritten file applies the
	// pick at a pick at that instant where Task is runnable.
	Task, Oldest uint64
	At           int64
}

// DecisionFile is a run's decisions with what is needed to replay them:
// the workload, the seed (which still derives the configuration) and the
// pins over it.
type DecisionFile struct {
	Workload  string
	Seed      uint64
	Binary    string   // the test binary's sha256 in hex, "" unknown
	Pins      Pins     // -sim.set pins, in order
	Streams   []string // labels, by stream number
	Decisions []Decision
	Hash      string // the writing run's hash (16 hex digits), "" unknown
}

// NonDefault counts the decisions that are not defaults: what a shrinker
// drives down.
func (f *DecisionFile) NonDefault() int {
	n := 0
	for _, d := range f.Decisions {
		if !d.Default {
			n++
		}
	}
	return n
}

// Write writes f in the format above.
func (f *DecisionFile) Write(out io.Writer) error {
	bw := bufio.NewWriterSize(out, 1<<20)
	fmt.Fprintf(bw, "%s %d\nworkload %s\nseed %d\nbinary %s\n", DecisionsMagic, DecisionsVersion, f.Workload, f.Seed, dashIfEmpty(f.Binary))
	for _, p := range f.Pins {
		fmt.Fprintf(bw, "set %s\n", p)
	}
	declared := 0
	var line []byte
	for _, d := range f.Decisions {
		for ; declared <= int(d.Stream) && declared < len(f.Streams); declared++ {
			fmt.Fprintf(bw, "stream %d %s\n", declared, quoteLabel(f.Streams[declared]))
		}
		line = strconv.AppendUint(line[:0], d.Step, 10)
		line = append(line, ' ')
		line = strconv.AppendInt(line, int64(d.Stream), 10)
		line = append(line, ' ', byte(d.Kind), ' ')
		if d.Default {
			line = append(line, '-')
		} else {
			line = strconv.AppendUint(line, d.Value, 16)
		}
		if d.Task != 0 {
			line = append(line, " t"...)
			line = strconv.AppendUint(line, d.Task, 10)
			line = append(line, '/')
			line = strconv.AppendUint(line, d.Oldest, 10)
			line = append(line, '@')
			line = strconv.AppendInt(line, d.At, 10)
		}
		bw.Write(append(line, '\n'))
	}
	for ; declared < len(f.Streams); declared++ {
		fmt.Fprintf(bw, "stream %d %s\n", declared, quoteLabel(f.Streams[declared]))
	}
	fmt.Fprintf(bw, "end %d %s\n", len(f.Decisions), dashIfEmpty(f.Hash))
	return bw.Flush()
}

// WriteFile writes f to path.
func (f *DecisionFile) WriteFile(path string) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := f.Write(out); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// quoteLabel writes a label as is unless it has a space or another
// character a line reader would split on: then Go-quoted.
func quoteLabel(s string) string {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == '"' || r > '~' }) {
		return strconv.Quote(s)
	}
	return s
}

// DecisionFileError is a decision file that cannot be read: truncated,
// of another version, or malformed. It names the file and line.
type DecisionFileError struct {
	Name string
	Line int // 0: the file as a whole
	Msg  string
}

func (e *DecisionFileError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.Name, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.Name, e.Line, e.Msg)
}

// LoadDecisions reads the decision file at path.
func LoadDecisions(path string) (*DecisionFile, error) {
	in, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	return ParseDecisions(path, in)
}

// ParseDecisions reads a decision file; name prefixes every error.
func ParseDecisions(name string, in io.Reader) (*DecisionFile, error) {
	p := decisionParser{name: name, f: &DecisionFile{}}
	br := bufio.NewReaderSize(in, 1<<16)
	for {
		text, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return nil, &DecisionFileError{name, p.line, err.Error()}
		}
		if text == "" {
			break
		}
		p.line++
		if !strings.HasSuffix(text, "\n") {
			// A last line without its newline was cut short: say so, not
			// that its half is malformed.
			return nil, p.errorf("truncated: the last line %q is cut short", text)
		}
		if err := p.parseLine(strings.TrimSuffix(text, "\n")); err != nil {
			return nil, err
		}
	}
	switch {
	case p.line == 0:
		return nil, &DecisionFileError{name, 0, "empty: not a decision file"}
	case !p.ended:
		return nil, &DecisionFileError{name, 0, fmt.Sprintf("truncated: no end line after %d decisions (the writing run was cut short, or the file was)", len(p.f.Decisions))}
	}
	return p.f, nil
}

// decisionParser reads one line at a time: the version line, the header,
// then stream and decision lines, then the end line.
type decisionParser struct {
	name   string
	line   int
	f      *DecisionFile
	header bool // past the header (a stream or decision line was read)
	ended  bool
	seen   map[string]bool // header keys read
}

func (p *decisionParser) errorf(format string, args ...any) error {
	return &DecisionFileError{p.name, p.line, fmt.Sprintf(format, args...)}
}

func (p *decisionParser) parseLine(text string) error {
	if p.line == 1 {
		return p.parseVersion(text)
	}
	if p.ended {
		return p.errorf("text after the end line")
	}
	key, rest, _ := strings.Cut(text, " ")
	switch {
	case key == "end":
		return p.parseEnd(rest)
	case key == "stream":
		p.header = true
		return p.parseStream(rest)
	case key != "" && key[0] >= '0' && key[0] <= '9':
		p.header = true
		return p.parseDecision(text)
	case p.header:
		return p.errorf("header line %q after the decisions began", key)
	}
	return p.parseHeader(key, rest)
}

func (p *decisionParser) parseVersion(text string) error {
	magic, v, ok := strings.Cut(text, " ")
	if magic != DecisionsMagic || !ok {
		return p.errorf("not a decision file (want a first line %q)", fmt.Sprintf("%s %d", DecisionsMagic, DecisionsVersion))
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return p.errorf("version %q is not a number", v)
	}
	if n != DecisionsVersion {
		return p.errorf("decision file version %d: this binary reads version %d only (record the run again with this binary)", n, DecisionsVersion)
	}
	return nil
}

func (p *decisionParser) parseHeader(key, val string) error {
	if p.seen == nil {
		p.seen = map[string]bool{}
	}
	if p.seen[key] && key != "set" {
		return p.errorf("header %q given twice", key)
	}
	p.seen[key] = true
	switch key {
	case "workload":
		if val == "" || strings.ContainsAny(val, " \t") {
			return p.errorf("workload %q: want a test name", val)
		}
		p.f.Workload = val
	case "seed":
		s, err := ParseSeed(val)
		if err != nil {
			return p.errorf("seed: %v", err)
		}
		p.f.Seed = s
	case "binary":
		if val != "-" {
			p.f.Binary = val
		}
	case "set":
		if !strings.Contains(val, "=") || strings.ContainsAny(val, " \t") {
			return p.errorf("set %q: want KEY=VALUE", val)
		}
		p.f.Pins = append(p.f.Pins, val)
	default:
		return p.errorf("unknown header line %q", key)
	}
	return nil
}

func (p *decisionParser) parseStream(rest string) error {
	num, label, ok := strings.Cut(rest, " ")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n != len(p.f.Streams) {
		return p.errorf("stream line: want \"stream %d LABEL\"", len(p.f.Streams))
	}
	if strings.HasPrefix(label, `"`) {
		if label, err = strconv.Unquote(label); err != nil {
			return p.errorf("stream label: %v", err)
		}
	}
	if label == "" {
		return p.errorf("stream %d has no label", n)
	}
	p.f.Streams = append(p.f.Streams, label)
	return nil
}

func (p *decisionParser) parseDecision(text string) error {
	fs := strings.Fields(text)
	if len(fs) < 4 || len(fs) > 5 || len(fs[2]) != 1 || !DrawKind(fs[2][0]).valid() {
		return p.errorf("decision line %q: want STEP STREAM KIND(d|p|c|g) VALUE(hex|-) [tTASK/OLDEST@NS]", text)
	}
	var d Decision
	var err error
	if len(fs) == 5 {
		if err := parsePickTasks(fs[4], &d); err != nil || fs[2] != "p" {
			return p.errorf("pick %q: want tTASK/OLDEST@NS (two task ids and a virtual time), on a pick", fs[4])
		}
	}
	if d.Step, err = strconv.ParseUint(fs[0], 10, 64); err != nil {
		return p.errorf("step %q: %v", fs[0], err)
	}
	if n := len(p.f.Decisions); n > 0 && d.Step < p.f.Decisions[n-1].Step {
		return p.errorf("step %d after step %d: decisions are in the order drawn", d.Step, p.f.Decisions[n-1].Step)
	}
	s, err := strconv.ParseInt(fs[1], 10, 32)
	if err != nil || s < 0 || int(s) >= len(p.f.Streams) {
		return p.errorf("stream %q: not a declared stream (%d declared)", fs[1], len(p.f.Streams))
	}
	d.Stream, d.Kind = int32(s), DrawKind(fs[2][0])
	if fs[3] == "-" {
		d.Default = true
	} else if d.Value, err = strconv.ParseUint(fs[3], 16, 64); err != nil {
		return p.errorf("value %q: want hex digits or -", fs[3])
	}
	p.f.Decisions = append(p.f.Decisions, d)
	return nil
}

// parsePickTasks parses a pick's "tTASK/OLDEST@NS".
func parsePickTasks(s string, d *Decision) error {
	ids, ok := strings.CutPrefix(s, "t")
	ids, at, ok2 := strings.Cut(ids, "@")
	task, oldest, ok3 := strings.Cut(ids, "/")
	if !ok || !ok2 || !ok3 {
		return fmt.Errorf("malformed")
	}
	var err1, err2, err3 error
	d.Task, err1 = strconv.ParseUint(task, 10, 64)
	d.Oldest, err2 = strconv.ParseUint(oldest, 10, 64)
	d.At, err3 = strconv.ParseInt(at, 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || d.Task == 0 || d.Oldest == 0 || d.At < 0 {
		return fmt.Errorf("malformed")
	}
	return nil
}

func (p *decisionParser) parseEnd(rest string) error {
	num, hash, ok := strings.Cut(rest, " ")
	n, err := strconv.Atoi(num)
	if !ok || err != nil {
		return p.errorf("end line: want \"end COUNT HASH\"")
	}
	if n != len(p.f.Decisions) {
		return p.errorf("end line counts %d decisions, the file has %d: a damaged file", n, len(p.f.Decisions))
	}
	if p.f.Workload == "" || !p.seen["seed"] {
		return p.errorf("the header names no workload or no seed")
	}
	if hash != "-" {
		if _, err := strconv.ParseUint(hash, 16, 64); err != nil || len(hash) != 16 {
			return p.errorf("end hash %q: want 16 hex digits or -", hash)
		}
		p.f.Hash = hash
	}
	p.ended = true
	return nil
}
