package dst

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/cdcsim/cdcsim/internal/mutate"
)

// Statement coverage of the unmutated model, in the manner of PIT's "no
// coverage" outcome: before it sweeps any mutant, dst mutate sweeps the
// unmutated model once with the same workloads, seeds and pins in a
// binary built with go test -cover -coverpkg=<targets>, and a mutant
// whose line none of those seeds runs is recorded as unreached without
// being built or swept. No oracle can kill a change to code that never
// runs, so sweeping it would only spend 100 seeds per workload to learn
// nothing; listing it says what is missing instead: a workload (or a
// fault) that reaches the line. Unreached mutants stay in the score's
// denominator (they were not killed); the summary also gives the score
// over the reached mutants, which measures the oracles alone.
//
// A mutant on a path a patch replaces (Mutant.PatchOff) is also swept
// with that patch off, so its line counts as reached when the sweep with
// every patch off runs it (a superset, slightly, of the sweep with only
// its patch off).

// sometimesBaseline is what the unmutated model's sweep reached of each
// workload's Sometimes assertions: workload -> name -> the seeds that
// reached it, in seed order.
type sometimesBaseline map[string]map[string][]uint64

// reach is the set of statements a coverage sweep ran, by file inside
// the module ("session/retry.go"), over every workload (blocks) and for
// each workload alone (byWorkload).
type reach struct {
	blocks     map[string][]coverBlock
	byWorkload map[string]*reach
}

func newReach() *reach { return &reach{blocks: map[string][]coverBlock{}, byWorkload: map[string]*reach{}} }

// Selecting workloads by coverage. The simulator is deterministic, so a
// seed whose run never executes the mutated statement runs exactly as
// it does on the unmutated model: same schedule, same checks, same
// Sometimes, and it passes as that seed passed in the coverage sweep.
// Such a seed cannot kill the mutant, and sweeping it only spends time.
// dst mutate therefore sweeps a mutant only on the workloads whose
// seeds (the same seeds, with the same pins) ran its line in the
// coverage sweep: PIT's test selection by coverage, made exact by
// determinism. The selection is per workload, not per seed, because the
// sweep writes one cover profile per workload process. It applies to the
// sweep with the workloads' pins; the sweep with a patch off runs a
// configuration the coverage sweeps did not (every patch off but one),
// so it runs every workload.

// workloadsRunning returns, of ws in their order, the workloads whose
// seeds ran the statement at file:line:col (every one for a position
// the profiles do not cover, such as a constant's declaration).
func (r *reach) workloadsRunning(ws []string, file string, line, col int) []string {
	var out []string
	for _, w := range ws {
		if wr := r.byWorkload[w]; wr == nil || wr.ran(file, line, col) {
			out = append(out, w)
		}
	}
	return out
}

// coverBlock is one block of a cover profile: from line.col to
// line.col, and whether any seed ran it.
type coverBlock struct {
	l0, c0, l1, c1 int
	ran            bool
}

func (b coverBlock) contains(line, col int) bool {
	after := line > b.l0 || (line == b.l0 && col >= b.c0)
	before := line < b.l1 || (line == b.l1 && col <= b.c1)
	return after && before
}

// ran reports whether a seed ran the statement at file:line:col. A
// position inside no block of the profile (outside any function body the
// profile knows) counts as run: only what coverage shows unrun is
// declared so.
func (r *reach) ran(file string, line, col int) bool {
	inside := false
	for _, b := range r.blocks[file] {
		if b.contains(line, col) {
			if b.ran {
				return true
			}
			inside = true
		}
	}
	return !inside
}

// reached reports whether the coverage sweeps ran the mutant's site:
// the sweep as configured, or for a mutant on a patched-out path the
// sweep with every patch off.
func reached(on, off *reach, m *mutate.Mutant) bool {
	if on.ran(m.File, m.Line, m.Col) {
		return true
	}
	return m.PatchOff != "" && off != nil && off.ran(m.File, m.Line, m.Col)
}

// readCoverProfile adds a go test -coverprofile file to r. Its file
// names are import paths; modPath/ is cut off to leave the path inside
// the module.
func (r *reach) readCoverProfile(in io.Reader, modPath string) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if n == 1 && strings.HasPrefix(line, "mode:") || line == "" {
			continue
		}
		b, file, err := parseCoverLine(line)
		if err != nil {
			return fmt.Errorf("cover profile line %d: %v", n, err)
		}
		file = strings.TrimPrefix(file, modPath+"/")
		r.blocks[file] = append(r.blocks[file], b)
	}
	return sc.Err()
}

// parseCoverLine parses "path/file.go:l0.c0,l1.c1 statements count".
func parseCoverLine(line string) (coverBlock, string, error) {
	var b coverBlock
	colon := strings.LastIndex(line, ":")
	if colon < 0 {
		return b, "", fmt.Errorf("no file in %q", line)
	}
	fields := strings.Fields(line[colon+1:])
	if len(fields) != 3 {
		return b, "", fmt.Errorf("want position, statements and count in %q", line)
	}
	var ok [4]bool
	start, end, _ := strings.Cut(fields[0], ",")
	b.l0, b.c0, ok[0] = lineCol(start)
	b.l1, b.c1, ok[1] = lineCol(end)
	count, err := strconv.ParseUint(fields[2], 10, 64)
	if !ok[0] || !ok[1] || err != nil {
		return b, "", fmt.Errorf("bad block %q", line)
	}
	b.ran = count > 0
	return b, line[:colon], nil
}

func lineCol(s string) (int, int, bool) {
	l, c, ok := strings.Cut(s, ".")
	line, err1 := strconv.Atoi(l)
	col, err2 := strconv.Atoi(c)
	return line, col, ok && err1 == nil && err2 == nil
}

// coverageSweep builds the workloads with coverage of the targets and
// runs every workload's seeds once with pins, one process per workload,
// workers at a time; it returns the statements run.
func (r *mutantRunner) coverageSweep(ctx context.Context, targets []mutate.Package, pins []string) (*reach, sometimesBaseline, error) {
	modPath, err := modulePath()
	if err != nil {
		return nil, nil, err
	}
	var imports []string
	for _, t := range targets {
		imports = append(imports, modPath+"/"+t.Path)
	}
	bin, err := buildWith(r.pkg, "", "", []string{"-cover", "-covermode=set", "-coverpkg=" + strings.Join(imports, ",")}, io.Discard)
	if err != nil {
		return nil, nil, fmt.Errorf("the coverage build: %v", err)
	}
	dir, err := os.MkdirTemp("", "dst-cover-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	out := newReach()
	some := sometimesBaseline{}
	var mu sync.Mutex
	var firstErr error
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(r.workers, len(r.workloads)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				err := r.coverOne(ctx, bin, r.workloads[i], pins, filepath.Join(dir, fmt.Sprintf("w%d.out", i)), modPath, out, some, &mu)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	for i := range r.workloads {
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	return out, some, firstErr
}

// coverOne runs one workload's seeds in one process and adds its
// profile to out.
func (r *mutantRunner) coverOne(ctx context.Context, bin *Binary, workload string, pins []string, profile, modPath string, out *reach, some sometimesBaseline, mu *sync.Mutex) error {
	job := Job{Bin: bin, Pins: pins, SeedTimeout: r.seedTimeout, Extra: []string{"-test.coverprofile=" + profile}}
	reached := map[string][]uint64{}
	res := job.RunChunk(ctx, Chunk{Workload: workload, Start: r.start, Count: r.seeds}, func(rec *Record) {
		for name, ok := range rec.Sometimes {
			if ok && !rec.Failed() {
				reached[name] = append(reached[name], rec.Seed)
			}
		}
	})
	mu.Lock()
	some[workload] = reached
	mu.Unlock()
	if res.Rest != nil {
		return fmt.Errorf("the coverage sweep of %s stopped at seed %d (a crash or a hang of the unmutated model)", workload, res.Rest.Start-1)
	}
	f, err := os.Open(profile)
	if err != nil {
		return fmt.Errorf("the coverage sweep of %s wrote no profile: %v", workload, err)
	}
	defer f.Close()
	own := newReach()
	if err := own.readCoverProfile(f, modPath); err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	for file, bs := range own.blocks {
		out.blocks[file] = append(out.blocks[file], bs...)
	}
	out.byWorkload[workload] = own
	return nil
}

// modulePath returns the path of the module dst mutate runs in.
func modulePath() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Path}}").Output()
	if err != nil {
		return "", fmt.Errorf("go list -m: %v", err)
	}
	return strings.TrimSpace(string(out)), nil
}
