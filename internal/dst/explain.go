package dst

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cdcsim/cdcsim/sim"
)

// explainLimit is how many decisions dst shrink --schedule explains; a
// shrink stopped early by its budget may leave more set.
const explainLimit = 40

// traceRecord is the part of a -sim.records line (sim.Record.AppendJSON)
// an explanation reads.
type traceRecord struct {
	Step   uint64            `json:"step"`
	Node   string            `json:"node"`
	Task   string            `json:"task"`
	Kind   string            `json:"kind"`
	Text   string            `json:"text"`
	F      map[string]string `json:"f"`
	Hidden bool              `json:"hidden"`
}

// explainDecisions re-runs file with its records on and prints each
// decision still set as a line of the run it made: the step, then what
// it decided there ("task n1/d11/remove ran before n3/router",
// "net drop REGISTER n1->n2"). It returns the decisions the run served,
// with the run's hash: the file to keep.
func explainDecisions(ctx context.Context, bin *Binary, file *sim.DecisionFile, out io.Writer) (*sim.DecisionFile, error) {
	dir, err := os.MkdirTemp("", "dst-explain-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	recPath := filepath.Join(dir, "records.jsonl")
	_, served, err := procRunner(bin, nil)(ctx, decisionTry{file: file, record: true, records: recPath})
	if err != nil {
		return nil, err
	}
	steps := map[uint64]bool{}
	for _, d := range served.Decisions {
		if !d.Default {
			steps[d.Step] = true
		}
	}
	byStep, err := readRecordsAt(recPath, steps)
	if err != nil {
		return nil, err
	}
	lines := explainLines(served, byStep)
	fmt.Fprintf(out, "the %d decision(s) that matter:\n", len(lines))
	for i, l := range lines {
		if i == explainLimit {
			fmt.Fprintf(out, "  ... and %d more (a longer --budget shrinks further)\n", len(lines)-i)
			break
		}
		fmt.Fprintf(out, "  %s\n", l)
	}
	return served, nil
}

// readRecordsAt reads the records of the given steps from a -sim.records
// file.
func readRecordsAt(path string, steps map[uint64]bool) (map[uint64][]traceRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[uint64][]traceRecord{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var head struct {
			Step uint64 `json:"step"`
		}
		if json.Unmarshal(line, &head) != nil || !steps[head.Step] {
			continue
		}
		var r traceRecord
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		out[r.Step] = append(out[r.Step], r)
	}
	return out, sc.Err()
}

// explainLines renders each decision of f still set, in order.
func explainLines(f *sim.DecisionFile, byStep map[uint64][]traceRecord) []string {
	var lines []string
	for _, d := range f.Decisions {
		if d.Default {
			continue
		}
		lines = append(lines, explainOne(d, f.Streams[d.Stream], byStep[d.Step]))
	}
	return lines
}

// explainOne renders one decision from the records of its step.
func explainOne(d sim.Decision, label string, recs []traceRecord) string {
	head := fmt.Sprintf("step %d:", d.Step)
	switch d.Kind {
	case sim.DrawPick:
		if r := findRecord(recs, func(r traceRecord) bool { return r.Kind == "pick" }); r != nil {
			return fmt.Sprintf("%s task %s/%s (#%s) ran before %s/%s (#%s, the oldest runnable)", head,
				r.F["node"], r.F["task"], r.F["id"], r.F["oldest_node"], r.F["oldest"], r.F["oldest_id"])
		}
		return fmt.Sprintf("%s the scheduler's pick (the oldest runnable task ran: no effect here)", head)
	case sim.DrawChance:
		if r := findRecord(recs, isFaultRecord); r != nil {
			return fmt.Sprintf("%s %s %s (%s)", head, r.Kind, describeRecord(r), label)
		}
		return fmt.Sprintf("%s %s: a fault's chance, drawn by %s", head, label, runningTask(recs))
	case sim.DrawGap:
		return fmt.Sprintf("%s %s: the wait before the next fault, drawn shorter than the default by %s", head, label, runningTask(recs))
	}
	return fmt.Sprintf("%s %s: a draw (%x) by %s%s", head, label, d.Value, runningTask(recs), firstNote(recs))
}

// isFaultRecord is a record of a fault firing: a network fault line, a
// hidden message drop or duplicate, a Buggify site.
func isFaultRecord(r traceRecord) bool {
	switch r.Kind {
	case "net", "buggify", "crash":
		return true
	case "msg":
		return r.F["ev"] == "drop" || r.F["ev"] == "dup"
	}
	return false
}

// describeRecord is a record's text, or for a hidden message event its
// event, type and link.
func describeRecord(r *traceRecord) string {
	if r.Text != "" {
		return r.Text
	}
	if r.Kind == "msg" {
		return fmt.Sprintf("%s %s %s->%s", r.F["ev"], r.F["type"], r.F["from"], r.F["to"])
	}
	return strings.TrimSpace(fmt.Sprint(r.F))
}

func findRecord(recs []traceRecord, ok func(traceRecord) bool) *traceRecord {
	for i := range recs {
		if ok(recs[i]) {
			return &recs[i]
		}
	}
	return nil
}

// runningTask names the task or callback that ran at the step.
func runningTask(recs []traceRecord) string {
	if r := findRecord(recs, func(r traceRecord) bool { return r.Kind == "run" }); r != nil {
		return fmt.Sprintf("task %s/%s", r.Node, r.F["task"])
	}
	if r := findRecord(recs, func(r traceRecord) bool { return r.Kind == "timer" }); r != nil {
		return fmt.Sprintf("a timer of %s", r.Node)
	}
	return "the scheduler"
}

// firstNote is the model's first note at the step, if any.
func firstNote(recs []traceRecord) string {
	if r := findRecord(recs, func(r traceRecord) bool { return r.Kind == "note" }); r != nil {
		return ": " + r.Text
	}
	return ""
}
