package dst

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// diffContext is how many common trace lines dst diff shows before a
// difference.
const diffContext = 8

// cmdDiff runs one seed under two settings and shows where their traces
// differ: the question after "the seed fails with the bug on and passes
// with it off" is where the bug first made the run go another way. The
// runs are the same, step for step, until the first decision that the
// setting changes; the first trace lines that differ are where it
// shows. A difference in words only (a note naming the bug) is shown and
// passed over, up to --hunks of them, until the runs part for good.
func cmdDiff(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dst diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sf := addSeedFlags(fs, "a results file: take the package and the first run's settings from it")
	var vs pinsFlag
	fs.Var(&vs, "vs", "a pin of the second run, on top of the first run's (repeatable; required): bug= turns every bug off")
	lines := fs.Int("context", diffContext, "trace lines shown before each difference, and at most twice as many of each side in it")
	hunks := fs.Int("hunks", 3, "differences shown: those that end when the traces agree again, and the one where the runs part for good")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	if len(vs) == 0 {
		return usagef("diff needs --vs key=value: what the second run changes")
	}
	if *lines < 0 {
		return usagef("--context %d: want 0 or more lines", *lines)
	}
	if *hunks < 1 {
		return usagef("--hunks %d: want at least 1", *hunks)
	}
	tg, err := sf.resolve(fs, "diff", stderr)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "dst-diff-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	settings := [2][]string{tg.pins, append(append([]string(nil), tg.pins...), vs...)}
	var recs [2]*Record
	var paths [2]string
	for i, pins := range settings {
		paths[i] = filepath.Join(dir, fmt.Sprintf("trace-%d.txt", i))
		f, err := os.Create(paths[i])
		if err != nil {
			return err
		}
		recs[i], err = runSeed(context.Background(), tg.bin, tg.workload, tg.seed, pins, true, isTraceLine, f, stderr)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	for i, name := range []string{"A", "B"} {
		fmt.Fprintf(stdout, "%s: %s seed %d with %s: %s", name, tg.workload, tg.seed, describePins(settings[i]), recs[i].Outcome)
		if recs[i].Failed() {
			fmt.Fprintf(stdout, " (%s): %s", recs[i].Kind, firstLine(recs[i].Message))
		}
		fmt.Fprintf(stdout, ", %d steps, hash %s\n", recs[i].Steps, recs[i].Hash)
	}
	return showDivergence(paths, *lines, *hunks, stdout)
}

// isTraceLine keeps the trace's event lines: not the configuration block
// (which differs by the settings themselves) nor go test's own lines.
func isTraceLine(line string) bool {
	return traceLine.MatchString(strings.TrimSuffix(line, "\n"))
}

// resync is how many equal lines in a row end a difference: the runs
// took the same steps again, and only some lines (a note's words) had
// differed. hunkLimit is how many lines of each side a difference may
// run to before it is where the runs part for good.
const (
	resync    = 3
	hunkLimit = 64
)

// showDivergence compares two traces line by line, and prints up to
// maxHunks differences, each with n common lines before it and up to 2n
// lines of each side. A difference ends when the traces agree again for
// resync lines (a note that differs only in its words); one that goes on
// for more than hunkLimit lines is where the runs part for good, and the
// comparison stops there.
func showDivergence(paths [2]string, n, maxHunks int, out io.Writer) error {
	var sc [2]*bufio.Scanner
	for i, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		sc[i] = bufio.NewScanner(f)
		sc[i].Buffer(make([]byte, 64<<10), 16<<20)
	}
	done := func() error { return errors.Join(sc[0].Err(), sc[1].Err()) }
	var before []string // the last n common lines
	remember := func(l string) {
		if n == 0 {
			return
		}
		if len(before) == n {
			before = before[1:]
		}
		before = append(before, l)
	}
	common, hunks := 0, 0
	var words wordsOnly
	for {
		a, okA := next(sc[0])
		b, okB := next(sc[1])
		switch {
		case !okA && !okB:
			words.report(out)
			if hunks == 0 && words.count == 0 {
				fmt.Fprintf(out, "the traces are the same (%d lines): the setting changed nothing this seed reaches\n", common)
			} else {
				fmt.Fprintf(out, "the traces end together after %d common lines\n", common)
			}
			return done()
		case okA && okB && a == b:
			common++
			remember(a)
			continue
		}
		at := common
		shown := slices.Clone(before)
		var side [2][]string
		add := func(l string, ok bool, i int) {
			if ok {
				side[i] = append(side[i], l)
			}
		}
		add(a, okA, 0)
		add(b, okB, 1)
		var tail []string // equal lines since the last difference
		for len(side[0]) <= hunkLimit && len(side[1]) <= hunkLimit && len(tail) < resync {
			a, okA = next(sc[0])
			b, okB = next(sc[1])
			if !okA && !okB {
				break
			}
			if okA && okB && a == b {
				tail = append(tail, a)
				continue
			}
			side[0], side[1] = append(side[0], tail...), append(side[1], tail...)
			tail = nil
			add(a, okA, 0)
			add(b, okB, 1)
		}
		if len(tail) == resync && sameEvents(side[0], side[1]) {
			words.add(side, at)
			for _, l := range tail {
				common++
				remember(l)
			}
			continue
		}
		words.report(out)
		if hunks == maxHunks {
			fmt.Fprintf(out, "(more differences follow; --hunks %d shown)\n", maxHunks)
			return done()
		}
		hunks++
		fmt.Fprintf(out, "difference %d, after %d common lines:\n", hunks, at)
		for _, l := range shown {
			fmt.Fprintf(out, "    %s\n", l)
		}
		for i, name := range []string{"A", "B"} {
			lines := side[i]
			if len(lines) > 2*n {
				lines = lines[:max(2*n, 1)]
			}
			for _, l := range lines {
				fmt.Fprintf(out, "  %s %s\n", name, l)
			}
			if len(side[i]) == 0 {
				fmt.Fprintf(out, "  %s (the trace ends)\n", name)
			}
		}
		if len(tail) < resync {
			fmt.Fprintf(out, "the runs part here for good\n")
			return done()
		}
		for _, l := range tail {
			fmt.Fprintf(out, "    %s\n", l)
			common++
			remember(l)
		}
	}
}

// eventPrefix is a trace line's step, virtual time, node and kind: the
// event, without its words.
var eventPrefix = regexp.MustCompile(`^\s*\d+\s+\S+s\s+\S+\s+\S+`)

// sameEvents reports whether two runs of lines are the same events in
// other words: as many lines, each pair with the same step, time, node
// and kind. A bug's note ("retry registration (bug f2: ...)") is one.
func sameEvents(a, b []string) bool {
	return slices.EqualFunc(a, b, func(x, y string) bool {
		px, py := eventPrefix.FindString(x), eventPrefix.FindString(y)
		return px != "" && px == py
	})
}

// wordsOnly counts the differences in words only, keeps the first, and
// prints them once, before the next difference in events or at the end.
type wordsOnly struct {
	count, printed int
	first          [2][]string
	at             int
}

func (w *wordsOnly) add(side [2][]string, at int) {
	if w.count == 0 {
		w.first, w.at = side, at
	}
	w.count++
}

func (w *wordsOnly) report(out io.Writer) {
	if w.count == w.printed {
		return
	}
	if w.printed == 0 {
		fmt.Fprintf(out, "%d difference(s) in words only (the same events), the first after %d common lines:\n", w.count, w.at)
		for i, name := range []string{"A", "B"} {
			for _, l := range w.first[i] {
				fmt.Fprintf(out, "  %s %s\n", name, l)
			}
		}
	} else {
		fmt.Fprintf(out, "%d more difference(s) in words only\n", w.count-w.printed)
	}
	w.printed = w.count
}

func next(sc *bufio.Scanner) (string, bool) {
	if !sc.Scan() {
		return "", false
	}
	return sc.Text(), true
}
