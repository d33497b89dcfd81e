package dst

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/cdcsim/cdcsim/sim"
)

// FormatVersion is the results file format, stamped in its header as
// "dst". Version 2 added the header's guided and the records' pins,
// parent, cover, sometimes and config; a version-1 file is a version-2
// file without them, and is read. A version-1 dst refuses a version-2
// file by its version, rather than as corrupt by its new fields.
const FormatVersion = 2

// formatReadable reports whether this dst reads a results file of
// format version v.
func formatReadable(v int) bool { return v == 1 || v == FormatVersion }

// Header is the first line of a results file: which binary ran which
// plan. Everything that decides what a seed does is here, so a report
// names the exact runs it holds, a resumed sweep continues the same
// plan, and a replay from it re-runs the same seed the same way.
type Header struct {
	DST int `json:"dst"`
	// Binary is the test binary's version (the sha256 of the binary);
	// the same seed of the same binary hashes the same.
	Binary    string   `json:"binary"`
	Go        string   `json:"go"`
	Pkg       string   `json:"pkg"`
	Workloads []string `json:"workloads"`
	Start     uint64   `json:"start"`
	// Seeds is the number of seeds per workload; 0: time-bounded.
	Seeds int `json:"seeds"`
	Block int `json:"block"`
	// Shard is "i/n", or empty for the whole plan.
	Shard string `json:"shard,omitempty"`
	// Merged lists the shards a merged report was made of.
	Merged []string `json:"merged,omitempty"`
	// Random is true when Start was drawn at random.
	Random bool `json:"random,omitempty"`
	// Bug and Patch are the --bug and --patch flags as given; Set is
	// every pin in order, theirs included, as -sim.set takes them.
	Bug     string   `json:"bug,omitempty"`
	Patch   string   `json:"patch,omitempty"`
	Set     []string `json:"set"`
	Recheck bool     `json:"recheck"`
	// Guided is set for a dst run --guided sweep: besides the plan's
	// seeds it holds guided children, each with its own pins.
	Guided bool `json:"guided,omitempty"`
	// Time is the sweep's time budget when it was started (a Go
	// duration), the default budget of a resumed run.
	Time    string `json:"time,omitempty"`
	Started string `json:"started"`
}

// Plan returns the header's plan.
func (h *Header) Plan() (Plan, error) {
	p := Plan{Workloads: h.Workloads, Start: h.Start, Seeds: h.Seeds, Block: h.Block}
	if h.Shard != "" {
		s, err := ParseShard(h.Shard)
		if err != nil {
			return p, err
		}
		p.Shard = s
	}
	return p, nil
}

// samePlan reports the first field in which two headers' plans differ,
// the shard and the start time aside; "" when they agree.
func samePlan(a, b *Header) string {
	switch {
	case a.Binary != b.Binary:
		return fmt.Sprintf("binary version %.16s vs %.16s", a.Binary, b.Binary)
	case a.Pkg != b.Pkg:
		return fmt.Sprintf("package %s vs %s", a.Pkg, b.Pkg)
	case !slices.Equal(a.Workloads, b.Workloads):
		return fmt.Sprintf("workloads %v vs %v", a.Workloads, b.Workloads)
	case a.Start != b.Start:
		return fmt.Sprintf("start seed %d vs %d", a.Start, b.Start)
	case a.Seeds != b.Seeds:
		return fmt.Sprintf("seeds per workload %d vs %d", a.Seeds, b.Seeds)
	case a.Block != b.Block:
		return fmt.Sprintf("block %d vs %d", a.Block, b.Block)
	case !slices.Equal(a.Set, b.Set):
		return fmt.Sprintf("settings %q vs %q", a.Set, b.Set)
	case a.Recheck != b.Recheck:
		return fmt.Sprintf("recheck %t vs %t", a.Recheck, b.Recheck)
	}
	return ""
}

// Record is one seed's line: the test binary's -sim.json line, plus the
// failure report text for a failing seed. dst adds lines of its own
// kinds for seeds whose process died (KindCrash) or hung (KindTimeout).
type Record struct {
	sim.JSONResult
	Report string `json:"report,omitempty"`
	// Pins are a guided child's own settings, after the header's Set;
	// Parent is the seed whose configuration it mutated.
	Pins   []string `json:"pins,omitempty"`
	Parent uint64   `json:"parent,omitempty"`
}

// recordHeader returns h with r's own pins after its settings: the
// header that replays r.
func recordHeader(h *Header, r *Record) *Header {
	if len(r.Pins) == 0 {
		return h
	}
	c := *h
	c.Set = append(slices.Clone(h.Set), r.Pins...)
	return &c
}

// Failure kinds dst itself assigns, besides the simulator's.
const (
	KindCrash   = "crash"
	KindTimeout = "timeout"
)

// Failed reports whether the seed failed.
func (r *Record) Failed() bool { return r.Outcome != "pass" }

// Writer appends lines to a results file. Each line is one write(2) of
// the whole line on a file opened O_APPEND, so a process killed at any
// point leaves whole lines only: the kernel keeps what was written even
// when the process dies by SIGKILL. The file is fsynced at most every
// syncEvery, against a machine crash; a line per fsync would cost a disk
// flush per seed (about 0.5 ms here, against 2 µs for the write) for no
// gain against a killed process.
type Writer struct {
	f        *os.File
	lastSync time.Time
}

const syncEvery = time.Second

// Create starts a new results file with its header; it refuses an
// existing file, which only --resume may continue.
func Create(path string, h *Header) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o644)
	if os.IsExist(err) {
		return nil, usagef("results file %s exists: continue it with --resume %s, or remove it", path, path)
	}
	if err != nil {
		return nil, usagef("results file: %v", err)
	}
	if err := lock(f, path); err != nil {
		f.Close()
		return nil, err
	}
	w := &Writer{f: f, lastSync: time.Now()}
	if err := w.writeLine(h); err != nil {
		f.Close()
		return nil, err
	}
	return w, f.Sync()
}

// Append opens an existing results file for appending, holding its
// lock: a second dst that tries while this one writes is refused
// (lock). Read the records after Append, so that they are the ones no
// other writer adds to.
func Append(path string) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, usagef("results file: %v", err)
	}
	if err := lock(f, path); err != nil {
		f.Close()
		return nil, err
	}
	return &Writer{f: f, lastSync: time.Now()}, nil
}

// lock takes the results file's lock, which its Writer holds until
// Close; another process holding it is an input error.
func lock(f *os.File, path string) error {
	held, err := lockFile(f)
	if held {
		return usagef("%s is being written by another dst (it holds the file's lock): wait for that sweep to end, or stop it, then --resume", path)
	}
	if err != nil {
		return fmt.Errorf("locking %s: %v", path, err)
	}
	return nil
}

// Write appends one record.
func (w *Writer) Write(r *Record) error { return w.writeLine(r) }

func (w *Writer) writeLine(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := w.f.Write(append(data, '\n')); err != nil {
		return err
	}
	if time.Since(w.lastSync) >= syncEvery {
		w.lastSync = time.Now()
		return w.f.Sync()
	}
	return nil
}

// Close syncs and closes the file.
func (w *Writer) Close() error {
	if w == nil {
		return nil
	}
	err := w.f.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// ReadReport reads a whole results file. A file that is not one this
// dst wrote whole is refused with an input error (exit status 2) that
// says what is wrong and where: empty, truncated (the last line has no
// newline), a line that is not JSON or not a record, a header of another
// format version, or records of another JSON version.
func ReadReport(path string) (*Header, []Record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, usagef("results file: %v", err)
	}
	return parseReport(path, data)
}

func parseReport(path string, data []byte) (*Header, []Record, error) {
	if len(data) == 0 {
		return nil, nil, usagef("%s: empty results file (no header line)", path)
	}
	if data[len(data)-1] != '\n' {
		n := bytes.Count(data, []byte{'\n'}) + 1
		return nil, nil, usagef("%s:%d: truncated: the last line has no newline, so the file was cut short mid-line; remove that line to resume", path, n)
	}
	r := bufio.NewReader(bytes.NewReader(data))
	var h *Header
	var plan Plan
	var recs []Record
	for line := 1; ; line++ {
		text, err := r.ReadBytes('\n')
		if err == io.EOF {
			break
		}
		if line == 1 {
			if h, err = parseHeader(path, text); err != nil {
				return nil, nil, err
			}
			if plan, err = h.Plan(); err != nil {
				return nil, nil, usagef("%s:1: corrupt header: %v", path, err)
			}
			continue
		}
		rec, err := parseRecord(path, line, text, h)
		if err != nil {
			return nil, nil, err
		}
		if err := inPlan(path, line, h, &plan, &rec); err != nil {
			return nil, nil, err
		}
		recs = append(recs, rec)
	}
	return h, recs, nil
}

// inPlan refuses a record of a seed that the header's plan does not
// contain (another range, another shard): a resumed sweep would count
// it, and a merge would report it, as a seed of this sweep. A guided
// sweep's children are outside the plan by design: each has a fresh
// seed and its own pins.
func inPlan(path string, line int, h *Header, plan *Plan, rec *Record) error {
	if h.Guided && (len(rec.Pins) > 0 || rec.Parent != 0) {
		return nil
	}
	if plan.Contains(rec.Test, rec.Seed) {
		return nil
	}
	return usagef("%s:%d: seed %d of %s is outside this report's plan (%s): the line does not belong in this file", path, line, rec.Seed, rec.Test, plan)
}

func parseHeader(path string, text []byte) (*Header, error) {
	var h Header
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil || h.DST == 0 {
		return nil, usagef("%s:1: corrupt: the first line is not a dst results header (%v)", path, firstErr(err, "no \"dst\" field"))
	}
	if !formatReadable(h.DST) {
		return nil, usagef("%s:1: results format version %d; this dst reads versions 1 and %d: use the dst of the commit that wrote it", path, h.DST, FormatVersion)
	}
	if h.Binary == "" || len(h.Workloads) == 0 || h.Block < 1 {
		return nil, usagef("%s:1: corrupt header: binary, workloads or block missing", path)
	}
	if h.Seeds < 0 {
		// A plan's seed count is a count, 0 for open-ended: a negative
		// one was read as open-ended (FuzzParseReport's plan check).
		return nil, usagef("%s:1: corrupt header: %d seeds per workload", path, h.Seeds)
	}
	return &h, nil
}

func parseRecord(path string, line int, text []byte, h *Header) (Record, error) {
	var rec Record
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil {
		return rec, usagef("%s:%d: corrupt: not a result line: %v", path, line, err)
	}
	if !sim.JSONCompatible(rec.Version) {
		return rec, usagef("%s:%d: result line version %d; this dst reads versions 1 to %d", path, line, rec.Version, sim.JSONVersion)
	}
	if !slices.Contains(h.Workloads, rec.Test) || (rec.Outcome != "pass" && rec.Outcome != "fail") || len(rec.Hash) != 16 && rec.Kind != KindCrash && rec.Kind != KindTimeout {
		return rec, usagef("%s:%d: corrupt: result of %q (outcome %q, hash %q) does not belong to this report's plan", path, line, rec.Test, rec.Outcome, rec.Hash)
	}
	return rec, nil
}

func firstErr(err error, otherwise string) string {
	if err != nil {
		return err.Error()
	}
	return otherwise
}
