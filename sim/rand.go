package sim

import "math/rand/v2"

// stream is a labelled random source. Its seed is derived from the run's
// seed and the label alone, so adding a stream leaves every other stream's
// numbers unchanged; every draw is folded into the trace hash, so a run
// that draws differently hashes differently.
type stream struct {
	w   *World
	id  uint64
	pcg rand.PCG
	// The rest is for a run with a decider (decisions_replay.go): the
	// stream's recorded draws, its number in the record, its fresh
	// generator after a replayed prefix, and its run of defaults.
	queue   *replayQueue
	sid     int32
	fresh   *rand.PCG
	defStep uint64
	defRun  int
	drawIdx int
}

// Uint64 is every draw of the stream: from its own generator in a seed
// run, from the run's decider otherwise.
func (s *stream) Uint64() uint64 {
	var v uint64
	if s.w.dec == nil {
		v = s.pcg.Uint64()
	} else {
		v = s.w.dec.draw(s)
	}
	s.w.tr.mix2(tagRand^s.id, v)
	return v
}

// newStream returns the generator for label.
func (w *World) newStream(label string) *rand.Rand {
	id := fnv64(label)
	s := &stream{w: w, id: id}
	s.pcg.Seed(splitmix64(w.cfg.Seed), splitmix64(id))
	if w.dec != nil {
		w.dec.attach(s, label)
	}
	return rand.New(s)
}

// Rand returns the random stream named label. The same label returns the
// same stream within a run.
func (w *World) Rand(label string) *rand.Rand {
	if r, ok := w.streams[label]; ok {
		return r
	}
	r := w.newStream(label)
	w.streams[label] = r
	return r
}

// Choose returns a seeded number in [0, n), used by clock.Select.
func (w *World) Choose(n int) int { return w.selectRand.IntN(n) }
