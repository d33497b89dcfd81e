package dst

import (
	"context"
	"embed"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// The page's parts, inlined into one file: no network access, no other
// file to carry along.
//
//go:embed timeline/page.html timeline/page.css timeline/page.js
var timelineAssets embed.FS

// cmdTimeline re-runs one seed with its structured trace records on
// (-sim.records) and writes the timeline page of the run.
func cmdTimeline(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dst timeline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sf := addSeedFlags(fs, "a results file: take the package and settings from it")
	out := fs.String("o", "", "the HTML file to write (required)")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	if *out == "" {
		return usagef("timeline needs -o FILE")
	}
	tg, err := sf.resolve(fs, "timeline", stderr)
	if err != nil {
		return err
	}
	got, err := writeTimeline(tg, *out, false, nil, stdout, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s seed %d: %s, %d steps; timeline written to %s\n", tg.workload, tg.seed, got.Outcome, got.Steps, *out)
	return nil
}

// writeTimeline runs the seed with its records written to a temporary
// file (and, with trace, its text trace through keep to stdout, as
// replay does), builds the timeline and writes the page to out. It
// returns the run's result.
func writeTimeline(tg *seedTarget, out string, trace bool, keep func(string) bool, stdout, stderr io.Writer) (*Record, error) {
	dir, err := os.MkdirTemp("", "dst-timeline-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	recs := filepath.Join(dir, "records.jsonl")
	got, err := runSeedArgs(context.Background(), tg.bin, tg.workload, tg.seed, tg.pins, append(tg.extraArgs(), "-sim.records="+recs), trace,
		keep, stdout, stderr)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(recs)
	if err != nil {
		return nil, fmt.Errorf("the run wrote no records: %v", err)
	}
	defer f.Close()
	tl, err := buildTimeline(f, uint64(got.Steps))
	if err != nil {
		return nil, err
	}
	tl.Workload, tl.Seed, tl.Outcome, tl.Hash = tg.workload, tg.seed, string(got.Outcome), got.Hash
	tl.Pins = append(tl.Pins, tg.pins...)
	tl.Command = timelineCommand(tg, out)
	page, err := renderTimeline(tl)
	if err != nil {
		return nil, err
	}
	return got, os.WriteFile(out, page, 0o644)
}

// timelineCommand is the command that writes this page again.
func timelineCommand(tg *seedTarget, out string) string {
	cmd := fmt.Sprintf("dst timeline --pkg %s --workload '%s' --seed %d", tg.pkg, tg.workload, tg.seed)
	for _, p := range tg.pins {
		cmd += " --set " + p
	}
	return cmd + " -o " + filepath.Base(out)
}

// renderTimeline fills the page template with the styles, the script and
// the timeline as JSON (json.Marshal escapes <, > and &, so the data
// cannot close its script element).
func renderTimeline(tl *timeline) ([]byte, error) {
	data, err := json.Marshal(tl)
	if err != nil {
		return nil, err
	}
	part := func(name string) string {
		b, err := timelineAssets.ReadFile("timeline/" + name)
		if err != nil {
			panic(err) // embedded: cannot be missing
		}
		return string(b)
	}
	title := fmt.Sprintf("%s seed %d", tl.Workload, tl.Seed)
	page := strings.NewReplacer("{{TITLE}}", html.EscapeString(title), "{{CSS}}", part("page.css"),
		"{{JS}}", part("page.js"), "{{DATA}}", string(data)).Replace(part("page.html"))
	return []byte(page), nil
}
