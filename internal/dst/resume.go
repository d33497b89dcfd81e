package dst

import (
	"fmt"
	"io"
	"time"
)

// resume continues the sweep of a results file. A shard from the
// environment (a restarted pod of an Indexed Job) must be the file's.
// The file is locked before it is read, so that the records read are
// all there will be: a second dst resuming the same file is refused
// (Append) rather than running the same seeds again.
func resume(f *runFlags, shard Shard, stdout, stderr io.Writer) error {
	w, err := Append(f.resume)
	if err != nil {
		return err
	}
	handedOver := false
	defer func() {
		if !handedOver {
			w.Close()
		}
	}()
	h, recs, err := ReadReport(f.resume)
	if err != nil {
		return err
	}
	if err := noDuplicates(f.resume, recs); err != nil {
		return err
	}
	if shard.N > 1 && shard.String() != h.Shard {
		return usagef("JOB_COMPLETION_INDEX makes this shard %s, but %s is shard %q", shard, f.resume, h.Shard)
	}
	plan, err := h.Plan()
	if err != nil {
		return err
	}
	if h.Guided {
		// The corpus and the draws that made it are not in the file in a
		// form a resumed search could continue from deterministically.
		return usagef("%s is a --guided sweep, which cannot be resumed: start a new one (its replay lines stay valid)", f.resume)
	}
	bin, err := Build(h.Pkg, f.cache, stderr)
	if err != nil {
		return err
	}
	if bin.Version != h.Binary {
		return usagef("%s was written by test binary version %.16s; %s builds version %.16s now (the sources or the Go version changed): resume it at the commit that started it, or start a new sweep", f.resume, h.Binary, h.Pkg, bin.Version)
	}
	if !f.given["time"] && h.Time != "" {
		f.budget, _ = time.ParseDuration(h.Time)
	}
	f.recheck = h.Recheck
	fmt.Fprintf(stderr, "dst: resuming %s: %d seeds recorded\n", f.resume, len(recs))
	handedOver = true // sweep closes w
	return sweep(f, h, plan, bin, recs, w, f.resume, stdout, stderr)
}

// noDuplicates refuses a results file that records a seed twice (two
// writers at once, before files were locked, or files concatenated by
// hand), and says how to repair it: dst merge keeps one record of each
// seed whose records agree.
func noDuplicates(path string, recs []Record) error {
	first := map[string]map[uint64]int{}
	for i, r := range recs {
		if first[r.Test] == nil {
			first[r.Test] = map[uint64]int{}
		}
		if prev, dup := first[r.Test][r.Seed]; dup {
			return usagef("%s:%d: seed %d of %s is recorded again (first at line %d): repair the file with dst merge -o FIXED.jsonl %s, which keeps one record of each seed, then --resume FIXED.jsonl", path, i+2, r.Seed, r.Test, prev, path)
		}
		first[r.Test][r.Seed] = i + 2
	}
	return nil
}
