package peers

import (
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/cdcsim/cdcsim/sim"
)

// Hunt is one attempt of one tool at one bug: how long it took to see
// the bug, and whether the finding replays.
type Hunt struct {
	Tool string `json:"tool"` // cdcsim, stress, synctest
	Bug  string `json:"bug"`
	// Found: the bug was detected (Detects) within the cap.
	Found bool `json:"found"`
	// Seconds is the wall time from the start of the hunt to the end of
	// the run (simulated seed, or real run) that detected the bug; the
	// cap's length when not found.
	Seconds float64 `json:"seconds"`
	// Runs is how many seeds or real runs the hunt took (the detecting
	// one included).
	Runs int `json:"runs"`
	// Other counts runs that failed, but not as the bug does.
	Other int `json:"other"`
	// Seed and Hash are the failing seed and its trace hash (cdcsim).
	Seed uint64 `json:"seed,omitempty"`
	Hash uint64 `json:"hash,omitempty"`
	Kind string `json:"kind,omitempty"`
	Msg  string `json:"msg,omitempty"`
	// Replays and Replayed: how many times the finding was replayed, and
	// how often it showed again (cdcsim: the failing seed re-run, same
	// hash and the bug's failure; peers: the same test run again, the bug
	// detected).
	Replays  int `json:"replays,omitempty"`
	Replayed int `json:"replayed,omitempty"`
}

// HuntSim runs the canary's seeds start, start+stride, ... until one
// fails as the bug does, or cap has passed (checked between seeds), then
// replays the failing seed replays times, comparing the hashes.
func HuntSim(bug string, start, stride uint64, limit time.Duration, replays int) Hunt {
	h := Hunt{Tool: "cdcsim", Bug: bug}
	begin := time.Now()
	for seed := start; time.Since(begin) < limit; seed += stride {
		cfg, body, err := SimConfig(bug, seed)
		if err != nil {
			panic(err)
		}
		res := sim.Run(cfg, body)
		h.Runs++
		if res.Failure == nil {
			continue
		}
		if !Detects(bug, string(res.Failure.Kind), res.Failure.Message) {
			h.Other++
			continue
		}
		h.Seconds = time.Since(begin).Seconds()
		h.Found = h.Seconds <= limit.Seconds()
		h.Seed, h.Hash, h.Kind, h.Msg = seed, res.Hash, string(res.Failure.Kind), res.Failure.Message
		for range replays {
			again := sim.Run(cfg, body)
			h.Replays++
			if again.Hash == res.Hash && again.Failure != nil && Detects(bug, string(again.Failure.Kind), again.Failure.Message) {
				h.Replayed++
			}
		}
		return h
	}
	h.Seconds = limit.Seconds()
	return h
}

// HuntReal repeats real runs of the bug's scenario (run: RealRun.Run,
// directly or inside a synctest bubble) until one detects the bug or cap
// has passed; a detection after the cap (the last run overran it) does
// not count. Each run draws a fresh fault mix.
func HuntReal(tool, bug string, scale float64, limit time.Duration, run func(RealRun) Outcome) Hunt {
	h := Hunt{Tool: tool, Bug: bug}
	begin := time.Now()
	for time.Since(begin) < limit {
		out := run(RealRun{Bug: bug, Scale: scale, Draw: rand.Uint64(), Wall: realWall(scale)})
		h.Runs++
		if out.Kind == "" {
			continue
		}
		if !out.Detected {
			h.Other++
			h.Kind, h.Msg = out.Kind, out.Message // the last other failure, for the report
			fmt.Fprintf(os.Stderr, "peers: %s %s run %d failed, not as the bug does: %s: %.300s\n", tool, bug, h.Runs, out.Kind, out.Message)
			continue
		}
		h.Seconds = time.Since(begin).Seconds()
		h.Found = h.Seconds <= limit.Seconds()
		h.Kind, h.Msg = out.Kind, out.Message
		if h.Found {
			return h
		}
	}
	h.Found, h.Seconds = false, limit.Seconds()
	return h
}

// ReplayReal runs the bug's scenario k times and counts the runs that
// detect it: a peer's only way to "replay" a failure.
func ReplayReal(tool, bug string, scale float64, k int, run func(RealRun) Outcome) Hunt {
	h := Hunt{Tool: tool, Bug: bug, Replays: k}
	for range k {
		out := run(RealRun{Bug: bug, Scale: scale, Draw: rand.Uint64(), Wall: realWall(scale)})
		h.Runs++
		if out.Detected {
			h.Replayed++
		}
		fmt.Fprintf(os.Stderr, "peers: %s %s replay %d: detected %t: %s: %.200s\n", tool, bug, h.Runs, out.Detected, out.Kind, out.Message)
	}
	return h
}

// realWall bounds one real run: its scenario lasts at most about 4.5
// minutes at scale 1 (two minutes of faults, two of liveness budget,
// settle), so four times that, scaled, plus slack for a loaded machine.
func realWall(scale float64) time.Duration {
	return scaled(20*time.Minute, scale) + 30*time.Second
}
