package dst

import (
	"fmt"
	"io"
	"time"
)

// resume continues the sweep of a results file. A shard from the
// environment (a restarted pod of an Indexed Job) must be the file's.
func resume(f *runFlags, shard Shard, stdout, stderr io.Writer) error {
	h, recs, err := ReadReport(f.resume)
	if err != nil {
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
	w, err := Append(f.resume)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "dst: resuming %s: %d seeds recorded\n", f.resume, len(recs))
	return sweep(f, h, plan, bin, recs, w, f.resume, stdout, stderr)
}
