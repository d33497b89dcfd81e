package dst

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/sim"
)

// traceRec is one line of a -sim.records file: sim.Record's JSON form
// (sim.Record.AppendJSON).
type traceRec struct {
	Step   uint64            `json:"step"`
	T      int64             `json:"t"`
	Node   string            `json:"node"`
	TID    uint64            `json:"tid"`
	Task   string            `json:"task"`
	Kind   string            `json:"kind"`
	Text   string            `json:"text"`
	F      map[string]string `json:"f"`
	Hidden bool              `json:"hidden"`
}

// Sizes that keep a page of a million-step run small and quick: the run
// is cut into at most activityBuckets columns for the per-node and
// per-task activity, the page carries at most maxMsgs message arrows
// (the ones nearest the end, where the failure is) and the last tailLines
// lines of the text trace.
const (
	activityBuckets = 2000
	maxMsgs         = 60000
	tailLines       = 600
)

// timeline is what the page draws, in the compact form it is embedded
// in: indices into Nodes, Types and States instead of names, arrays
// instead of objects for the many small things. The x axis is the step.
type timeline struct {
	Workload string   `json:"workload"`
	Seed     uint64   `json:"seed"`
	Pins     []string `json:"pins"`
	Outcome  string   `json:"outcome"`
	Hash     string   `json:"hash"`
	Command  string   `json:"command"`
	Steps    uint64   `json:"steps"`
	Nodes    []string `json:"nodes"`
	// Bucket is the number of steps per activity column; Times the
	// virtual time (ns) at the start of each column.
	Bucket   uint64  `json:"bucket"`
	Times    []int64 `json:"times"`
	Activity [][]int `json:"activity"` // per node, runs per column
	// Marks: [step, time, node, kind, label]: crash, restart, buggify,
	// heal, goal, fail.
	Marks [][]any `json:"marks"`
	// Bands: [start step, end step, node, other node (-1), kind, label]:
	// a cut (partition, one direction) or a clog.
	Bands [][]any `json:"bands"`
	// Msgs: [send step, end step, from, to, fate, type, dup]; fate 0
	// delivered, 1 dropped at random, 2 cut by a partition, 3 lost (the
	// receiver down or restarted, or without the stream), 4 still in
	// flight at the end.
	Msgs        [][]int    `json:"msgs"`
	MsgsOmitted int        `json:"msgsOmitted"`
	Types       []string   `json:"types"`
	States      []string   `json:"states"`
	Disps       []*disp    `json:"disps"`
	Tasks       []*tlTask  `json:"tasks"`
	Failure     *tlFailure `json:"failure"`
	Tail        []string   `json:"tail"`
	// Window is the step range the page opens on: around the failure.
	Window [2]uint64 `json:"window"`
}

// disp is one dispatcher's lane: its session-state segments, each
// [start step, state, epoch, current event service, busy (1: inside a
// transition)].
type disp struct {
	ID   string  `json:"id"`
	Node int     `json:"node"`
	Segs [][]any `json:"segs"`
}

// tlTask is one task's lane, shown on demand under its node: its life and
// its runs per activity column (sparse: [column, runs] pairs).
type tlTask struct {
	ID   uint64 `json:"id"`
	Name string `json:"name"`
	Node int    `json:"node"`
	From uint64 `json:"from"`
	To   uint64 `json:"to"`
	Runs []int  `json:"runs"`
}

type tlFailure struct {
	Step    uint64 `json:"step"`
	Time    string `json:"time"`
	Node    int    `json:"node"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// builder folds records into a timeline in one pass.
type builder struct {
	tl       *timeline
	nodeIdx  map[string]int
	typeIdx  map[string]int
	stateIdx map[string]int
	dispIdx  map[string]*disp
	taskIdx  map[uint64]*tlTask
	taskRuns map[uint64]map[int]int
	pending  map[string][]int // message id -> indices of copies in flight
	open     []openBand
	tail     [][]byte
	tailAt   int
	lastStep uint64
	lastT    int64
	lastCol  int // the last activity column whose time is set
}

type openBand struct {
	idx int   // in tl.Bands
	end int64 // virtual time it ends (0: at the heal)
}

// buildTimeline reads a records file. steps is the run's step count
// (from its result), which fixes the activity columns before the first
// record is read.
func buildTimeline(r io.Reader, steps uint64) (*timeline, error) {
	// Every list starts empty, not nil: the page iterates them, and a nil
	// slice would be JSON null.
	b := &builder{tl: &timeline{Steps: steps, Bucket: max(1, (steps+activityBuckets-1)/activityBuckets),
		Pins: []string{}, Marks: [][]any{}, Bands: [][]any{}, Msgs: [][]int{}, Types: []string{}, States: []string{}, Disps: []*disp{}, Tasks: []*tlTask{}},
		nodeIdx: map[string]int{}, typeIdx: map[string]int{}, stateIdx: map[string]int{}, dispIdx: map[string]*disp{},
		taskIdx: map[uint64]*tlTask{}, taskRuns: map[uint64]map[int]int{}, pending: map[string][]int{}}
	b.tl.Times = make([]int64, steps/b.tl.Bucket+1)
	b.node("main")
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		rec, err := decodeRec(sc.Bytes())
		if err != nil {
			return nil, fmt.Errorf("records line %d: %v", n, err)
		}
		b.add(&rec, sc.Bytes())
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return b.tl, b.finish()
}

// recHead is the part of a record every line needs decoded; the text and
// the fields are decoded only for the kinds that use them (most lines
// are run, park and unpark, which need neither), which makes a
// million-step run's records quicker to read.
type recHead struct {
	Step   uint64          `json:"step"`
	T      int64           `json:"t"`
	Node   string          `json:"node"`
	TID    uint64          `json:"tid"`
	Kind   string          `json:"kind"`
	F      json.RawMessage `json:"f"`
	Hidden bool            `json:"hidden"`
}

// decodeRec decodes one line, with its fields only where add reads them.
func decodeRec(line []byte) (traceRec, error) {
	var h recHead
	if err := json.Unmarshal(line, &h); err != nil {
		return traceRec{}, err
	}
	r := traceRec{Step: h.Step, T: h.T, Node: h.Node, TID: h.TID, Kind: h.Kind, Hidden: h.Hidden}
	switch h.Kind {
	case "run", "park", "unpark", "sleep", "timer", "note":
		return r, nil
	case "goal", "phase":
		return r, json.Unmarshal(line, &r)
	}
	if len(h.F) > 0 {
		return r, json.Unmarshal(h.F, &r.F)
	}
	return r, nil
}

func (b *builder) node(name string) int {
	if i, ok := b.nodeIdx[name]; ok {
		return i
	}
	b.nodeIdx[name] = len(b.tl.Nodes)
	b.tl.Nodes = append(b.tl.Nodes, name)
	b.tl.Activity = append(b.tl.Activity, make([]int, len(b.tl.Times)))
	return len(b.tl.Nodes) - 1
}

func intern(m map[string]int, list *[]string, s string) int {
	if i, ok := m[s]; ok {
		return i
	}
	m[s] = len(*list)
	*list = append(*list, s)
	return len(*list) - 1
}

func (b *builder) column(step uint64) int {
	return min(int(step/b.tl.Bucket), len(b.tl.Times)-1)
}

// add folds one record in.
func (b *builder) add(r *traceRec, line []byte) {
	for ; b.lastCol < b.column(r.Step); b.lastCol++ {
		b.tl.Times[b.lastCol+1] = r.T
	}
	b.lastStep, b.lastT = r.Step, r.T
	b.closeBands(r.Step, r.T)
	if !r.Hidden && b.tl.Failure == nil {
		b.addTail(line) // up to the FAIL line: after it the run only unwinds
	}
	switch r.Kind {
	case "run":
		b.tl.Activity[b.node(r.Node)][b.column(r.Step)]++
		if runs := b.taskRuns[r.TID]; runs != nil {
			runs[b.column(r.Step)]++
		}
	case "spawn":
		b.spawn(r)
	case "exit":
		if t := b.taskIdx[atou(r.F["tid"])]; t != nil {
			t.To = r.Step
		}
	case "crash", "restart":
		b.mark(r, b.node(r.F["node"]), r.Kind, r.Kind+" "+r.F["node"])
	case "buggify":
		b.mark(r, b.node(r.Node), "buggify", "Buggify "+r.F["site"])
	case "goal":
		b.mark(r, 0, "goal", r.Text)
	case "phase":
		if r.Text == "heal" {
			b.mark(r, 0, "heal", "heal: faults off")
		}
	case "FAIL":
		b.fail(r)
	case "net", "msg":
		b.net(r)
	case "state":
		b.state(r)
	}
}

func atou(s string) uint64 { v, _ := strconv.ParseUint(s, 10, 64); return v }

func (b *builder) mark(r *traceRec, node int, kind, label string) {
	b.tl.Marks = append(b.tl.Marks, []any{r.Step, clock.Time(r.T).String(), node, kind, label})
}

func (b *builder) spawn(r *traceRec) {
	id := atou(r.F["tid"])
	t := &tlTask{ID: id, Name: r.F["name"], Node: b.node(r.F["on"]), From: r.Step, To: b.tl.Steps}
	b.taskIdx[id] = t
	b.taskRuns[id] = map[int]int{}
	b.tl.Tasks = append(b.tl.Tasks, t)
}

func (b *builder) fail(r *traceRec) {
	b.tl.Failure = &tlFailure{Step: r.Step, Time: clock.Time(r.T).String(), Node: b.node(r.Node), Kind: r.F["kind"], Message: r.F["message"]}
	b.mark(r, b.node(r.Node), "fail", r.F["kind"]+": "+r.F["message"])
}

// addTail keeps the last tailLines visible records, as their JSON lines
// in a ring; finish renders them.
func (b *builder) addTail(line []byte) {
	if len(b.tail) < tailLines {
		b.tail = append(b.tail, bytes.Clone(line))
		return
	}
	b.tail[b.tailAt] = append(b.tail[b.tailAt][:0], line...)
	b.tailAt = (b.tailAt + 1) % tailLines
}

// tailText renders the kept records as lines of the text trace, as the
// text trace itself is rendered (sim.Record.WriteLine).
func (b *builder) tailText() ([]string, error) {
	out := []string{}
	var buf bytes.Buffer
	for _, line := range append(b.tail[b.tailAt:], b.tail[:b.tailAt]...) {
		var r traceRec
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, err
		}
		buf.Reset()
		rec := sim.Record{Step: r.Step, Time: clock.Time(r.T), Node: r.Node, Kind: r.Kind, Text: r.Text}
		rec.WriteLine(&buf)
		out = append(out, strings.TrimSuffix(buf.String(), "\n"))
	}
	return out, nil
}

// state extends a dispatcher's lane with its session's new state.
func (b *builder) state(r *traceRec) {
	id := r.F["d"]
	d := b.dispIdx[id]
	if d == nil {
		d = &disp{ID: id, Node: b.node(r.F["node"])}
		b.dispIdx[id] = d
		b.tl.Disps = append(b.tl.Disps, d)
	}
	busy := 0
	if r.F["busy"] != "" {
		busy = 1
	}
	d.Segs = append(d.Segs, []any{r.Step, intern(b.stateIdx, &b.tl.States, r.F["state"]), r.F["epoch"], r.F["current"], busy})
}

// finish closes what is still open at the end of the run and orders the
// lanes.
func (b *builder) finish() error {
	tl := b.tl
	tl.Steps = max(tl.Steps, b.lastStep)
	for _, ob := range b.open {
		tl.Bands[ob.idx][1] = tl.Steps
	}
	b.open = nil
	for c := b.lastCol + 1; c < len(tl.Times); c++ {
		tl.Times[c] = b.lastT
	}
	for _, t := range tl.Tasks {
		cols := make([]int, 0, len(b.taskRuns[t.ID]))
		for c := range b.taskRuns[t.ID] { //dst:allow map-range: sorted below
			cols = append(cols, c)
		}
		slices.Sort(cols)
		for _, c := range cols {
			t.Runs = append(t.Runs, c, b.taskRuns[t.ID][c])
		}
	}
	slices.SortStableFunc(tl.Disps, func(x, y *disp) int {
		if x.Node != y.Node {
			return x.Node - y.Node
		}
		return int(atou(strings.TrimPrefix(x.ID, "d"))) - int(atou(strings.TrimPrefix(y.ID, "d")))
	})
	if n := len(tl.Msgs); n > maxMsgs {
		tl.MsgsOmitted, tl.Msgs = n-maxMsgs, tl.Msgs[n-maxMsgs:]
	}
	var err error
	if tl.Tail, err = b.tailText(); err != nil {
		return err
	}
	tl.Window = [2]uint64{0, tl.Steps}
	if f := tl.Failure; f != nil {
		span := max(400, tl.Steps/40)
		tl.Window = [2]uint64{f.Step - min(f.Step, span), f.Step + span/8}
	}
	return nil
}
