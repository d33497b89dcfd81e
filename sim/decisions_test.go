package sim

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// gossip is gossipProgram with every message counted: it runs on the
// simulated network, so its drops, duplicates and latencies are draws.
func gossip(w *World) { gossipProgram(w, func(string, string) bool { return true }) }

// recordRun runs body on cfg recording its decisions.
func recordRun(t *testing.T, cfg Config, body func(*World)) *Result {
	t.Helper()
	w := NewDecided(cfg, Decide{Record: true})
	res := w.Run(func() { body(w) })
	require.NotNil(t, res.Decisions)
	res.Decisions.Workload = "TestX"
	return res
}

// replayRun runs body on cfg serving d's draws.
func replayRun(cfg Config, body func(*World), d Decide) *Result {
	w := NewDecided(cfg, d)
	return w.Run(func() { body(w) })
}

// writeParse writes f and parses it back.
func writeParse(t *testing.T, f *DecisionFile) *DecisionFile {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, f.Write(&buf))
	g, err := ParseDecisions("test", &buf)
	require.NoError(t, err)
	return g
}

// Recording a run leaves its hash as the seed gives it, and replaying the
// record (through the text format) gives that hash again: for the
// task-heavy program (picks, select, Buggify, crashes) and the gossip
// program (the network's drops, duplicates, latencies, partitions),
// under each strategy.
func TestDecisionReplayHashesAsTheSeed(t *testing.T) {
	for _, prog := range []struct {
		name string
		body func(*World)
	}{{"busy", busyProgram}, {"gossip", gossip}} {
		for seed := uint64(1); seed <= 8; seed++ {
			for _, strat := range []Strategy{StrategyRandom, StrategyPCT} {
				cfg := DeriveConfig(seed)
				cfg.Strategy = strat
				plain := Run(cfg, prog.body)
				rec := recordRun(t, cfg, prog.body)
				require.Equal(t, plain.Hash, rec.Hash, "%s seed %d %s: recording moved the hash", prog.name, seed, strat)
				require.Equal(t, hex16(plain.Hash), rec.Decisions.Hash)
				require.NotEmpty(t, rec.Decisions.Decisions)
				again := replayRun(cfg, prog.body, Decide{Replay: writeParse(t, rec.Decisions)})
				require.Equal(t, plain.Hash, again.Hash, "%s seed %d %s: replay hashed otherwise", prog.name, seed, strat)
				require.Equal(t, plain.Steps, again.Steps)
			}
		}
	}
}

// A replay serves the file's values, not the seed's: one pick changed
// changes the run.
func TestDecisionReplayServesTheFile(t *testing.T) {
	cfg := DeriveConfig(2)
	rec := recordRun(t, cfg, busyProgram)
	f := writeParse(t, rec.Decisions)
	i := indexOfKind(f, DrawPick)
	require.GreaterOrEqual(t, i, 0, "no pick was recorded")
	f.Decisions[i].Value ^= 1 << 63 // the other half of the runnable set
	res := replayRun(cfg, busyProgram, Decide{Replay: f})
	require.NotEqual(t, rec.Hash, res.Hash)
}

func indexOfKind(f *DecisionFile, k DrawKind) int {
	for i, d := range f.Decisions {
		if d.Kind == k {
			return i
		}
	}
	return -1
}

// Every decision defaulted: the run still ends, twice alike; no fault
// site fires (a chance's default is no fault); every pick runs the
// oldest runnable task, so the schedule is strategy=oldest's.
func TestDecisionDefaultsEndTheRunWithoutFaults(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		cfg := DeriveConfig(seed)
		cfg.BuggifyP, cfg.BuggifyQ = 1, 0.5
		cfg.Strategy = StrategyRandom
		cfg.clearSitePins()
		f := recordRun(t, cfg, busyProgram).Decisions
		for i := range f.Decisions {
			f.Decisions[i].Default = true
		}
		a := replayRun(cfg, busyProgram, Decide{Replay: f, Record: true})
		b := replayRun(cfg, busyProgram, Decide{Replay: f})
		require.Nil(t, a.Failure, "seed %d", seed)
		require.Equal(t, a.Hash, b.Hash, "seed %d: a defaulted run is not deterministic", seed)
		for _, s := range a.Sites {
			require.Zero(t, s.Fired, "seed %d: site %s fired with every chance defaulted", seed, s.Name)
		}
		picks := 0
		for _, d := range a.Decisions.Decisions {
			if d.Kind == DrawPick {
				picks++
				require.True(t, d.Default)
			}
		}
		require.Positive(t, picks)
	}
}

// The recorded prefix up to step k, fresh draws after it: every step
// before k hashes as the original did, and fresh seeds then diverge.
func TestDecisionPrefixThenFresh(t *testing.T) {
	cfg := DeriveConfig(4)
	rec := recordRun(t, cfg, busyProgram)
	orig := runSteps(cfg, Decide{Replay: rec.Decisions})
	k := uint64(len(orig) / 2)
	var ends []uint64
	for fresh := uint64(1); fresh <= 4; fresh++ {
		got := runSteps(cfg, Decide{Replay: rec.Decisions, Until: k, FreshSeed: fresh})
		require.Equal(t, orig[:k], got[:k], "fresh seed %d: the prefix was not replayed", fresh)
		ends = append(ends, got[len(got)-1])
	}
	require.NotEqual(t, orig[len(orig)-1], ends[0], "fresh draws after the prefix changed nothing")
	require.NotEqual(t, ends[0], ends[1], "two fresh seeds gave one run")
}

func runSteps(cfg Config, d Decide) []uint64 {
	w := NewDecided(cfg, d)
	w.RecordSteps()
	return w.Run(func() { busyProgram(w) }).StepHashes
}

// drawForIntN's draw makes IntN return k with one draw, for powers of two
// and not; plainDefault makes IntN return 0 with one draw.
func TestDrawForIntN(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		n := 1 + r.IntN(5000)
		if r.IntN(4) == 0 {
			n = 1 << r.IntN(20)
		}
		k := r.IntN(n)
		src := &probeSource{v: drawForIntN(k, n)}
		require.Equal(t, k, rand.New(src).IntN(n), "n=%d", n)
		require.Equal(t, 1, src.n, "n=%d k=%d: a second draw", n, k)
		zero := &probeSource{v: plainDefault}
		require.Zero(t, rand.New(zero).IntN(n), "n=%d", n)
		require.Equal(t, 1, zero.n)
		if n&(n-1) != 0 { // a power of two above 2^20 masks plainDefault's bit
			require.Zero(t, rand.New(&probeSource{v: plainDefault}).Int64N(int64(n)<<24), "n=%d", n)
		}
	}
	src := &probeSource{v: longestExpDraw()}
	x := rand.New(src).ExpFloat64()
	require.Equal(t, 1, src.n)
	require.Greater(t, x, 7.0, "the gap default is not a long wait")
	require.Less(t, rand.New(&probeSource{v: math.MaxUint64}).Float64(), 1.0)
	require.GreaterOrEqual(t, rand.New(&probeSource{v: math.MaxUint64}).Float64(), 1-1e-15)
}

// A decision file writes and parses back to itself, byte for byte.
func TestDecisionFileRoundTrip(t *testing.T) {
	f := recordRun(t, DeriveConfig(3), gossip).Decisions
	f.Pins = Pins{"bug=x", "patch="}
	f.Binary = strings.Repeat("ab", 32)
	f.Streams = append(f.Streams, "a label with spaces")
	f.Decisions[0].Default, f.Decisions[0].Value = true, 0 // a default has no value
	var a, b bytes.Buffer
	require.NoError(t, f.Write(&a))
	g, err := ParseDecisions("a", bytes.NewReader(a.Bytes()))
	require.NoError(t, err)
	require.True(t, reflect.DeepEqual(f, g), "parsed back otherwise")
	require.NoError(t, g.Write(&b))
	require.Equal(t, a.String(), b.String())
	require.Equal(t, len(f.Decisions)-1, g.NonDefault())
}

// A damaged file is an error that names the file and line, never a
// shorter run: a truncated one, another version's, a count that does
// not add up, a stream never declared.
func TestDecisionFileErrors(t *testing.T) {
	good := "cdcsim-decisions 1\nworkload TestX\nseed 7\nbinary -\nstream 0 net\n0 0 c ff\n3 0 p -\nend 2 -\n"
	_, err := ParseDecisions("f", strings.NewReader(good))
	require.NoError(t, err)
	for _, c := range []struct{ name, text, want string }{
		{"empty", "", "empty"},
		{"truncated", strings.TrimSuffix(good, "end 2 -\n"), "truncated"},
		{"cut mid-line", good[:len(good)-12], "truncated"},
		{"another version", strings.Replace(good, "decisions 1", "decisions 2", 1), "version 2"},
		{"not a decision file", "hello\n", "not a decision file"},
		{"count", strings.Replace(good, "end 2", "end 3", 1), "counts 3"},
		{"undeclared stream", strings.Replace(good, "3 0 p", "3 1 p", 1), "not a declared stream"},
		{"steps go back", strings.Replace(good, "3 0 p", "0 0 p", 1) + "", ""},
		{"steps decrease", strings.Replace(good, "0 0 c ff\n3 0 p -", "3 0 c ff\n0 0 p -", 1), "after step 3"},
		{"kind", strings.Replace(good, "0 0 c ff", "0 0 x ff", 1), "want STEP"},
		{"value", strings.Replace(good, "c ff", "c zz", 1), "hex"},
		{"header late", strings.Replace(good, "end", "seed 9\nend", 1), "after the decisions"},
		{"no seed", strings.Replace(good, "seed 7\n", "", 1), "no seed"},
		{"text after end", good + "0 0 d 1\n", "after the end"},
		{"bad hash", strings.Replace(good, "end 2 -", "end 2 xyz", 1), "16 hex"},
		{"pick tasks", strings.Replace(good, "3 0 p -", "3 0 p - t5", 1), "tTASK/OLDEST@NS"},
		{"tasks on a chance", strings.Replace(good, "0 0 c ff", "0 0 c ff t5/2@0", 1), "on a pick"},
		{"pick tasks ok", strings.Replace(good, "3 0 p -", "3 0 p - t5/2@100", 1), ""},
	} {
		_, err := ParseDecisions("f", strings.NewReader(c.text))
		if c.want == "" {
			require.NoError(t, err, c.name)
			continue
		}
		var de *DecisionFileError
		require.True(t, errors.As(err, &de), "%s: %v", c.name, err)
		require.Contains(t, err.Error(), c.want, c.name)
		require.True(t, strings.HasPrefix(err.Error(), "f:"), c.name)
	}
}

// -sim.check-decisions fails a seed whose replay hashes otherwise: here
// a body that keeps state between runs (a bug of the program: the
// second run draws once more).
func TestCheckDecisionsCatchesAReplayThatDiffers(t *testing.T) {
	decisionFlags.check = true
	defer func() { decisionFlags.check = false }()
	runs := 0
	body := func(w *World) {
		runs++
		for range runs {
			w.Rand("x").IntN(10)
		}
		busyProgram(w)
	}
	cfg := DeriveConfig(1)
	dr := &decisionRun{}
	res := runOnce(cfg, body, dr.decide(), false, nil, nil, nil)
	f := dr.check(cfg, body, res)
	require.NotNil(t, f)
	require.Equal(t, KindNondeterminism, f.Kind)
	require.Contains(t, f.Message, "replayed from its")
	runs = 0
	res = runOnce(cfg, busyProgram, dr.decide(), false, nil, nil, nil)
	require.Nil(t, dr.check(cfg, busyProgram, res))
}

// A replay's record replays that replay: with every decision defaulted
// the run leans on the fallback draws of defaultRunMax (a loop that
// draws until two values differ), and the record of it, replayed,
// hashes as the run that wrote it (once settled: a record that marked
// decisions as defaults has no hash, and its replay writes one).
func TestReplayRecordReplaysItself(t *testing.T) {
	body := func(w *World) {
		r := w.Rand("loop")
		for range 20 {
			a, b := r.IntN(4), r.IntN(4)
			for b == a {
				b = r.IntN(4)
			}
			w.Sleep(time.Millisecond)
		}
		busyProgram(w)
	}
	cfg := DeriveConfig(6)
	f := recordRun(t, cfg, body).Decisions
	for i := range f.Decisions {
		f.Decisions[i].Default = i%3 != 0
	}
	a := replayRun(cfg, body, Decide{Replay: f, Record: true})
	a.Decisions.Workload = "TestX"
	rec := writeParse(t, a.Decisions)
	for range 2 {
		b := replayRun(cfg, body, Decide{Replay: rec, Record: true})
		require.Equal(t, a.Steps, b.Steps)
		if rec.Hash != "" {
			require.Equal(t, rec.Hash, hex16(b.Hash))
			return
		}
		b.Decisions.Workload = "TestX"
		rec = writeParse(t, b.Decisions)
	}
	t.Fatal("the record did not settle to a hash in two replays")
}
