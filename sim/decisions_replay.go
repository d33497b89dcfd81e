package sim

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// This file is the decision source of a run that is not (only) its
// seed's (DESIGN.md, "One choke point for every choice"). Every random
// choice of a run is a draw from a labelled stream (rand.go): the
// scheduler's pick (sim/scheduler), select's choice, each fault's fate,
// each latency, each workload choice. So one hook in stream.Uint64 can
// record every decision, serve recorded ones back, or serve a recorded
// prefix and fresh draws after it; a seed run has no decider and draws
// from the streams' own generators, exactly as before.
//
// A replayed draw is served from its stream's own queue of recorded
// values, in order: when a rewritten file makes the run take another
// path, the network still gets the network's values and the scheduler
// the scheduler's. A draw is served its kind's default (decisions.go)
// when the recorded one is marked default or the stream's queue is used
// up. Every value a uint64 can hold is a valid draw, so no recorded value
// is ever out of range. The consumer says what its next draw decides (a
// hint: World.HintFault, HintFaultGap; the scheduler's pick and Buggify
// say it themselves); the hint only picks the default, and a seed run
// ignores it, so hints move no hash.

// Decide says where a run's draws come from besides its seed.
type Decide struct {
	// Replay serves these recorded draws (nil: the seed's own draws).
	Replay *DecisionFile
	// Until, with Replay, serves only the draws made before this step;
	// from it on every stream draws afresh from FreshSeed (0: replay the
	// whole file). This is "the same prefix, fresh randomness after".
	Until     uint64
	FreshSeed uint64
	// Record keeps every draw served, for Result.Decisions.
	Record bool
}

// defaultRunMax is how many plain defaults one stream is served within
// one step before hashed draws take over: a rejection loop (IntN's, or a
// "draw until different" loop of the model) fed a constant default would
// never end. Other kinds never loop on their default (no fault ends a
// retry, one pick is drawn per step), and a step may well draw a
// hundred fault chances, each of which must stay "no fault".
const defaultRunMax = 64

// drawHint is what the next draw decides, for its default.
type drawHint struct {
	kind     DrawKind
	oldest   int     // for a pick: the index of the oldest runnable task
	runnable int     // for a pick: how many tasks are runnable
	p        float64 // for a chance: the fault's probability
	want     int     // for a replayed pick: the index of the task it ran, or -1
	// hold, for a pick: the recorded pick does not apply here (its task
	// is not runnable, or another is the oldest); the default is served
	// and the recorded pick waits for the next pick.
	hold bool
}

// decider serves and records a run's draws.
type decider struct {
	w      *World
	replay map[string]*replayQueue // nil: every draw is the seed's
	until  uint64
	fresh  uint64
	rec    *DecisionFile // non-nil: every draw served is appended
	sids   map[string]int32
	hint   drawHint
	gapMax uint64 // the raw draw of the longest fast-path ExpFloat64
	// canonical is set once a replayed draw that decided as its default
	// would (a pick of the oldest task, a chance that was no fault) was
	// recorded as the default: the record then replays to the same run,
	// with other raw draws, so it carries no hash.
	canonical bool
}

// replayQueue is one stream's recorded draws.
type replayQueue struct {
	draws []Decision
	next  int
}

func newDecider(w *World, d Decide) *decider {
	dc := &decider{w: w, until: d.Until, fresh: d.FreshSeed, gapMax: longestExpDraw()}
	if d.Record {
		dc.rec = &DecisionFile{Seed: w.cfg.Seed}
		dc.sids = map[string]int32{}
	}
	if f := d.Replay; f != nil {
		dc.replay = make(map[string]*replayQueue, len(f.Streams))
		for _, label := range f.Streams {
			dc.replay[label] = &replayQueue{}
		}
		for _, x := range f.Decisions {
			q := dc.replay[f.Streams[x.Stream]]
			q.draws = append(q.draws, x)
		}
	}
	return dc
}

// attach gives a new stream its queue and its number in the record.
func (d *decider) attach(s *stream, label string) {
	if d.replay != nil {
		s.queue = d.replay[label]
	}
	if d.rec != nil {
		s.sid = int32(len(d.rec.Streams))
		d.rec.Streams = append(d.rec.Streams, label)
	}
}

// draw serves one draw of s.
func (d *decider) draw(s *stream) uint64 {
	h := d.hint
	d.hint = drawHint{}
	if h.kind == 0 {
		h.kind = DrawPlain
	}
	var v uint64
	def := false
	switch {
	case d.replay == nil:
		v = s.pcg.Uint64()
	case d.until > 0 && d.w.step >= d.until:
		v = s.freshDraw(d.fresh)
	default:
		s.nextDraw(d.w.step)
		v, def = d.replayed(s, h)
		if !def && h.kind == DrawChance && unitDraw(v) >= h.p {
			def, d.canonical = true, true // no fault, as the default
		}
	}
	if d.rec != nil {
		d.rec.Decisions = append(d.rec.Decisions, Decision{Step: d.w.step, Stream: s.sid, Kind: h.kind, Default: def, Value: v})
	}
	return v
}

// replayed serves s its next recorded draw, or the default for h; def
// reports a default.
func (d *decider) replayed(s *stream, h drawHint) (v uint64, def bool) {
	var x *Decision
	if q := s.queue; q != nil && q.next < len(q.draws) && !h.hold {
		x = &q.draws[q.next]
		q.next++
	}
	if x != nil && !x.Default {
		if h.kind == DrawPick && h.want >= 0 && intNOf(x.Value, h.runnable) != h.want {
			return drawForIntN(h.want, h.runnable), false // the same task, at its new index
		}
		return x.Value, false
	}
	if h.kind != DrawPlain {
		return d.defaultDraw(h), true // no fault, the oldest task, a long wait: none loops
	}
	if s.defRun >= defaultRunMax {
		// A loop the default cannot end (see defaultRunMax): a draw that
		// is a function of the stream, the step and the draw's place in
		// the step, not of a generator's state, so that a record of this
		// run, where it is a recorded value, replays the run.
		return splitmix64(s.id ^ splitmix64(d.w.step) ^ uint64(s.drawIdx)), false
	}
	s.defRun++
	return d.defaultDraw(h), true
}

// nextDraw counts a replayed draw of s at step: its place among the
// stream's draws of the step (drawIdx), and the plain defaults of the
// step so far (defRun) start again at a new step. A replay of the
// record serves the same defaults, so it counts the same.
func (s *stream) nextDraw(step uint64) {
	if s.defStep != step {
		s.defStep, s.defRun, s.drawIdx = step, 0, 0
	}
	s.drawIdx++
}

// defaultDraw is the raw value whose draw is the default of h's kind.
func (d *decider) defaultDraw(h drawHint) uint64 {
	switch h.kind {
	case DrawPick:
		return drawForIntN(h.oldest, h.runnable)
	case DrawChance:
		// Float64 is within 2^-53 of 1: "x < p" is false for every p < 1.
		return math.MaxUint64
	case DrawGap:
		return d.gapMax
	}
	return plainDefault
}

// plainDefault is the raw value of "a draw of 0": IntN, Int64N and
// Uint32N of any n below 2^44 (4.9 hours in nanoseconds) give 0 from it
// with one draw (a raw 0 would make IntN of a non-power of two draw
// again, forever, and a raw 1 gives 1 for a power of two), Float64 gives
// 2^-33, NormFloat64 and ExpFloat64 about 0.002.
const plainDefault = 1 << 20

// drawForIntN returns a raw draw for which rand.Rand.IntN(n) returns k
// without a second draw (math/rand/v2's uint64n: a mask for a power of
// two, else the high word of the draw times n, redrawn when the low word
// is below 2^64 mod n).
func drawForIntN(k, n int) uint64 {
	if n&(n-1) == 0 {
		return uint64(k)
	}
	// The largest x whose product with n has high word k: its low word is
	// at least 2^64-n, above every threshold.
	x, _ := bits.Div64(uint64(k), math.MaxUint64, uint64(n))
	return x
}

// intNOf is what rand.Rand.IntN(n) returns for the raw draw v, or -1
// when v alone does not decide it (a rejected draw, which draws again).
func intNOf(v uint64, n int) int {
	src := &probeSource{v: v}
	k := rand.New(src).IntN(n)
	if src.n != 1 {
		return -1
	}
	return k
}

// longestExpDraw returns the raw draw for which ExpFloat64 returns its
// largest value without a second draw (its base strip, just under 7.7),
// found by bisection: a draw above the strip's bound takes the tail path,
// which draws again.
func longestExpDraw() uint64 {
	once := func(v uint64) bool {
		src := &probeSource{v: v}
		rand.New(src).ExpFloat64()
		return src.n == 1
	}
	lo, hi := uint64(0), uint64(math.MaxUint32) // strip 0: bits 32..39 zero
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		if once(mid) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// probeSource serves v, then 1, and counts the draws.
type probeSource struct {
	v uint64
	n int
}

func (p *probeSource) Uint64() uint64 {
	p.n++
	if p.n == 1 {
		return p.v
	}
	return 1
}

// unitDraw is Float64 of the raw draw v.
func unitDraw(v uint64) float64 { return float64(v<<11>>11) / (1 << 53) }

// picked is told which task the pick just drawn ran, and which was the
// oldest: the record names both (so that a rewritten file can apply the
// pick where it means the same), and in a replay a pick of the oldest is
// recorded as the default (which runs the same task).
func (d *decider) picked(t, oldest *task) {
	if d.rec == nil {
		return
	}
	n := len(d.rec.Decisions)
	if n == 0 || d.rec.Decisions[n-1].Kind != DrawPick {
		return
	}
	last := &d.rec.Decisions[n-1]
	last.Task, last.Oldest, last.At = t.id, oldest.id, d.w.now
	replayed := d.replay != nil && (d.until == 0 || d.w.step < d.until)
	if t == oldest && replayed && !last.Default {
		last.Default, d.canonical = true, true
	}
}

// hintPick tells the decider the next draw is the scheduler's pick among
// runnable, whose default is the oldest (lowest id) task. In a replay it
// also matches the recorded pick, when it names its task and time,
// against this one: it applies at its instant where its task is runnable
// (want: the task's index now, which may have moved); before its instant
// it waits (hold: the default is served and the recorded pick kept);
// after it, it is dropped. In a replay of an unchanged file every pick
// matches where it was made. Virtual time anchors a pick better than its
// place in the sequence: a rewrite upstream changes how many picks come
// before it (a pick is only drawn among two or more tasks), much less
// when its timers fire.
func (d *decider) hintPick(runnable []*task, q *replayQueue) {
	oldest := oldestStrategy{}.pick(runnable)
	d.hint = drawHint{kind: DrawPick, oldest: oldest, runnable: len(runnable), want: -1}
	for q != nil && q.next < len(q.draws) {
		x := &q.draws[q.next]
		switch {
		case x.Default || x.Task == 0:
			return // served in turn
		case x.At < d.w.now:
			q.next++ // its instant passed without its task: dropped
			continue
		case x.At == d.w.now:
			for i, t := range runnable {
				if t.id == x.Task {
					d.hint.want = i
					return
				}
			}
		}
		d.hint.hold = true
		return
	}
}

// HintFault tells the run that its next draw decides whether a fault of
// probability p happens ("Float64() < p"): a rewritten decision file's
// default for it is then no fault, and a replay records a draw that gave
// no fault as that default. Model code on the simulated network calls it
// before each such draw; in a seed run it does nothing.
func (w *World) HintFault(p float64) {
	if w.dec != nil {
		w.dec.hint = drawHint{kind: DrawChance, p: p}
	}
}

// HintFaultGap tells the run that its next draw is the wait before the
// next fault (an ExpFloat64 times the mean): the default is then the
// longest wait one draw gives, about 7.7 times the mean.
func (w *World) HintFaultGap() {
	if w.dec != nil {
		w.dec.hint = drawHint{kind: DrawGap}
	}
}

// freshDraw draws from s's fresh generator, seeded from seed and the
// label as the stream's own is from the run's seed.
func (s *stream) freshDraw(seed uint64) uint64 {
	if s.fresh == nil {
		s.fresh = &rand.PCG{}
		s.fresh.Seed(splitmix64(seed^0x5eed), splitmix64(s.id))
	}
	return s.fresh.Uint64()
}

// finishRecord closes the record of the run: its hash.
func (d *decider) finishRecord() *DecisionFile {
	if d == nil || d.rec == nil {
		return nil
	}
	if !d.canonical {
		d.rec.Hash = hex16(d.w.tr.hash)
	}
	return d.rec
}

func hex16(h uint64) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 16)
	for i := 15; i >= 0; i-- {
		b[i] = digits[h&15]
		h >>= 4
	}
	return string(b)
}
