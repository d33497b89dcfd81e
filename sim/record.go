package sim

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"unicode/utf8"

	"github.com/cdcsim/cdcsim/clock"
)

// Record is one event of a run in structured form (DESIGN.md, "The trace
// has a structured form"). The kernel builds one for every line of the
// text trace, and the text line is rendered from it (Line); it also
// builds records the text trace never showed (Hidden: message sends and
// deliveries, session states), which a timeline needs and a person
// reading the text does not. Nothing parses the text trace back: a
// consumer that wants a field reads Fields.
type Record struct {
	Step uint64
	Time clock.Time
	// Node is the node the event belongs to ("-" for none).
	Node string
	// TaskID and Task name the task that was running (0 and "" between
	// tasks: a timer callback, the scheduler itself).
	TaskID uint64
	Task   string
	// Kind is the trace line's kind column: run, spawn, exit, sleep, park,
	// unpark, timer, crash, restart, buggify, net, note, phase, goal,
	// FAIL; and, hidden, msg and state.
	Kind string
	// Text is the free-form rest of the text trace line.
	Text string
	// Fields are what the kernel (or the model, through World.Record)
	// knows about the event as key-value pairs, in a fixed order.
	Fields []Field
	// Hidden records are not lines of the text trace.
	Hidden bool
}

// Field is one key-value pair of a Record.
type Field struct{ Key, Val string }

// F builds a Field.
func F(key, val string) Field { return Field{key, val} }

// Get returns the value of the field named key, or "".
func (r *Record) Get(key string) string {
	for _, f := range r.Fields {
		if f.Key == key {
			return f.Val
		}
	}
	return ""
}

// WriteLine writes r's line of the text trace. Columns: step, virtual
// time, node, kind, then the free-form text.
func (r *Record) WriteLine(out io.Writer) {
	fmt.Fprintf(out, "%8d %16s %-10s %-8s %s\n", r.Step, r.Time, r.Node, r.Kind, r.Text)
}

// AppendJSON appends r as one JSON object (no newline): step, t (virtual
// nanoseconds), node, task id and name, kind, text, fields (an object in
// the fields' order) and hidden. Written by hand so that a million
// records cost no reflection.
func (r *Record) AppendJSON(b []byte) []byte {
	b = append(b, `{"step":`...)
	b = strconv.AppendUint(b, r.Step, 10)
	b = append(b, `,"t":`...)
	b = strconv.AppendInt(b, int64(r.Time), 10)
	b = append(b, `,"node":`...)
	b = appendJSONString(b, r.Node)
	if r.TaskID != 0 {
		b = append(b, `,"tid":`...)
		b = strconv.AppendUint(b, r.TaskID, 10)
		b = append(b, `,"task":`...)
		b = appendJSONString(b, r.Task)
	}
	b = append(b, `,"kind":`...)
	b = appendJSONString(b, r.Kind)
	if r.Text != "" {
		b = append(b, `,"text":`...)
		b = appendJSONString(b, r.Text)
	}
	if len(r.Fields) > 0 {
		b = append(b, `,"f":{`...)
		for i, f := range r.Fields {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, f.Key)
			b = append(b, ':')
			b = appendJSONString(b, f.Val)
		}
		b = append(b, '}')
	}
	if r.Hidden {
		b = append(b, `,"hidden":true`...)
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD, as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// RecordTo sends every record of the run to sink, in order, from the
// first step; call it before Run. The record and its Fields are the
// sink's to keep. A run with a sink hashes like one without: records are
// observations, built from decisions already hashed.
func (w *World) RecordTo(sink func(Record)) { w.tr.sink = sink }

// Recording reports whether a record sink is set: model code that would
// build a structured record (World.Record) checks it first, so that an
// unrecorded run builds nothing.
func (w *World) Recording() bool { return w.tr.sink != nil }

// Record adds a hidden record of the given kind for the current node
// and task, when a sink listens. Workloads use it for what the kernel
// cannot know, such as a dispatcher's session state; it is not a line of
// the text trace (Tracef is).
func (w *World) Record(kind string, fields ...Field) {
	if w.tr.sink == nil {
		return
	}
	r := w.newRecord(w.curNode, w.current, kind)
	r.Fields, r.Hidden = fields, true
	w.tr.sink(r)
}

// newRecord fills the columns every record has.
func (w *World) newRecord(n *Node, t *task, kind string) Record {
	r := Record{Step: w.step, Time: clock.Time(w.now), Node: "-", Kind: kind}
	if n != nil {
		r.Node = n.name
	}
	if t != nil {
		r.TaskID, r.Task = t.id, t.name
	}
	return r
}

// emit builds one record of the trace and renders it: its text line to
// the text trace, itself to the sink. Callers check w.tr.on() first so
// that nothing is formatted when neither listens.
func (w *World) emit(n *Node, t *task, kind string, fields []Field, format string, args ...any) {
	r := w.newRecord(n, t, kind)
	r.Text, r.Fields = fmt.Sprintf(format, args...), fields
	if w.tr.out != nil {
		r.WriteLine(w.tr.out)
	}
	if w.tr.sink != nil {
		w.tr.sink(r)
	}
}

// recordsSink opens the -sim.records file, if the flag is set, and
// returns a sink that appends each record to it as a JSON line, with the
// function that flushes and closes it. Without the flag both are no-ops
// (a nil sink). A file that cannot be written ends the test binary: the
// caller asked for the records and would otherwise get none.
func recordsSink() (func(Record), func()) {
	if flags.records == "" {
		return nil, func() {}
	}
	f, err := os.OpenFile(flags.records, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		panic(fmt.Sprintf("sim: -sim.records: %v", err))
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	var line []byte
	sink := func(r Record) {
		line = append(r.AppendJSON(line[:0]), '\n')
		bw.Write(line)
	}
	return sink, func() {
		if err := errors.Join(bw.Flush(), f.Close()); err != nil {
			panic(fmt.Sprintf("sim: -sim.records: %v", err))
		}
	}
}
