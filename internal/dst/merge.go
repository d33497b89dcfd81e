package dst

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// cmdMerge combines the results files of the shards of one sweep (or of
// one sweep and its resumptions) into one report: the headers must agree
// on the binary and the plan, the shard aside; a seed recorded twice is
// an error unless both records agree (same outcome, kind and hash). It
// prints the summary and exits as dst run does: 1 when a seed failed.
func cmdMerge(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dst merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	outPath := fs.String("o", "", "the merged results file to write (required; must not exist)")
	junit := fs.String("junit", "", "also write a JUnit XML report")
	if err := parseFlags(fs, args, true); err != nil {
		return err
	}
	if *outPath == "" || fs.NArg() == 0 {
		return usagef("merge needs -o OUT and at least one results file")
	}
	if err := checkOutputPath("junit", *junit); err != nil {
		return err
	}
	h, recs, err := mergeFiles(fs.Args())
	if err != nil {
		return err
	}
	w, err := Create(*outPath, h)
	if err != nil {
		return err
	}
	stats := NewStats(h.Workloads)
	for i := range recs {
		if err := w.Write(&recs[i]); err != nil {
			w.Close()
			return err
		}
		stats.Add(&recs[i])
	}
	if err := w.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "dst: merged %d files (%s) into %s: %d seeds\n", fs.NArg(), strings.Join(h.Merged, ", "), *outPath, len(recs))
	if missing := missingShards(h); missing != "" {
		fmt.Fprintf(stdout, "warning: shards %s are missing\n", missing)
	}
	stats.Print(stdout, h, *outPath)
	if *junit != "" {
		if err := WriteJUnit(*junit, h, stats, *outPath); err != nil {
			return err
		}
	}
	if stats.Failed() > 0 {
		return errFailures
	}
	return nil
}

// mergeFiles reads and checks the files and returns the merged header and
// records, in file order.
func mergeFiles(paths []string) (*Header, []Record, error) {
	var merged *Header
	var out []Record
	seen := map[string]map[uint64]Record{}
	for _, path := range paths {
		h, recs, err := ReadReport(path)
		if err != nil {
			return nil, nil, err
		}
		if merged == nil {
			c := *h
			merged = &c
			merged.Shard, merged.Merged = "", nil
		} else if diff := samePlan(merged, h); diff != "" {
			return nil, nil, usagef("%s is not a shard of the same sweep as %s: %s", path, paths[0], diff)
		}
		shard := firstNonEmpty(h.Shard, "whole")
		if !slices.Contains(merged.Merged, shard) {
			merged.Merged = append(merged.Merged, shard)
		}
		merged.Merged = append(merged.Merged, h.Merged...)
		for _, r := range recs {
			if seen[r.Test] == nil {
				seen[r.Test] = map[uint64]Record{}
			}
			if prev, dup := seen[r.Test][r.Seed]; dup {
				if prev.Outcome != r.Outcome || prev.Kind != r.Kind || prev.Hash != r.Hash {
					return nil, nil, usagef("%s: seed %d of %s is recorded twice, differently: %s %s %s vs %s %s %s", path, r.Seed, r.Test, prev.Outcome, prev.Kind, prev.Hash, r.Outcome, r.Kind, r.Hash)
				}
				continue
			}
			seen[r.Test][r.Seed] = r
			out = append(out, r)
		}
	}
	slices.Sort(merged.Merged)
	merged.Merged = slices.Compact(merged.Merged)
	return merged, out, nil
}

// missingShards names the shards of n that the merge lacks.
func missingShards(h *Header) string {
	n := 0
	for _, s := range h.Merged {
		if sh, err := ParseShard(s); err == nil {
			n = sh.N
		}
	}
	var missing []string
	for i := range n {
		if !slices.Contains(h.Merged, fmt.Sprintf("%d/%d", i, n)) {
			missing = append(missing, fmt.Sprintf("%d/%d", i, n))
		}
	}
	return strings.Join(missing, ", ")
}
