package dst

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/sim"
	"github.com/stretchr/testify/require"
)

// worldRunner runs decision tries in this process, on a world of cfg
// running body: the shrinker and the point-of-no-return search without
// a test binary.
func worldRunner(cfg sim.Config, body func(*sim.World)) decisionRunner {
	return func(ctx context.Context, t decisionTry) (*Record, *sim.DecisionFile, error) {
		w := sim.NewDecided(cfg, sim.Decide{Replay: t.file, Until: t.until, FreshSeed: t.fresh, Record: t.record})
		res := w.Run(func() { body(w) })
		rec := &Record{JSONResult: sim.JSONResult{Test: "planted", Seed: cfg.Seed, Outcome: res.Outcome(),
			Steps: res.Steps, Hash: fmt.Sprintf("%016x", res.Hash)}}
		if res.Failure != nil {
			rec.Kind, rec.Message = string(res.Failure.Kind), res.Failure.Message
		}
		if f := res.Decisions; f != nil {
			f.Workload = "planted"
		}
		return rec, res.Decisions, nil
	}
}

// plantedRace is a check-then-act race: at 1ms a reader checks a flag,
// yields twice, and panics if a writer set the flag meanwhile. Six noise
// tasks draw and yield before it. Under the default schedule (the oldest
// task first) the writer, created first, runs first and nothing fails;
// the failure needs one decision, the reader picked before the writer.
func plantedRace(w *sim.World) {
	noise := w.Rand("noise")
	for i := range 6 {
		w.Go(fmt.Sprintf("noise%d", i), func() {
			for range 20 {
				noise.IntN(100)
				w.Yield()
			}
		})
	}
	flag := false
	w.Go("writer", func() { w.Sleep(time.Millisecond); flag = true })
	w.Go("reader", func() {
		w.Sleep(time.Millisecond)
		if !flag {
			w.Yield()
			w.Yield()
			if flag {
				panic("lost update: the flag was set between the check and the act")
			}
		}
	})
	w.Sleep(10 * time.Millisecond)
}

// failingSeed returns the first seed of 1..200 whose run of body fails,
// recorded.
func failingSeed(t *testing.T, body func(*sim.World)) (sim.Config, *Record, *sim.DecisionFile) {
	t.Helper()
	for seed := uint64(1); seed <= 200; seed++ {
		cfg := sim.DefaultConfig(seed)
		cfg.Strategy = sim.StrategyRandom
		rec, file, err := worldRunner(cfg, body)(context.Background(), decisionTry{record: true})
		require.NoError(t, err)
		if rec.Failed() {
			return cfg, rec, file
		}
	}
	t.Fatal("no seed of 1..200 fails")
	return sim.Config{}, nil, nil
}

// Schedule shrinking keeps the one decision the race needs: a run of
// over a hundred decisions shrinks to the pick of the reader before the
// writer, the shrunk file still fails the same way when replayed, and
// the explanation names both tasks.
func TestScheduleShrinkKeepsTheRace(t *testing.T) {
	cfg, first, file := failingSeed(t, plantedRace)
	require.Greater(t, file.NonDefault(), 100)
	run := worldRunner(cfg, plantedRace)
	var log bytes.Buffer
	s := &schedShrinker{run: run, key: failureKey(first), deadline: time.Now().Add(time.Minute),
		log: &log, cur: file, curRec: first}
	require.NoError(t, s.shrink(context.Background()))
	require.Equal(t, 1, s.cur.NonDefault(), "shrink log:\n%s", log.String())
	kept := s.cur.Decisions[setDecisions(s.cur)[0]]
	require.Equal(t, sim.DrawPick, kept.Kind)

	again, served, err := run(context.Background(), decisionTry{file: s.cur, record: true})
	require.NoError(t, err)
	require.Equal(t, failureKey(first), failureKey(again))
	trimmed := trimDefaults(served)
	require.Less(t, len(trimmed.Decisions), len(served.Decisions))
	require.Equal(t, 1, trimmed.NonDefault())
	same, _, err := run(context.Background(), decisionTry{file: trimmed})
	require.NoError(t, err)
	require.Equal(t, served.Hash, same.Hash, "the trimmed file replays another run")

	w := sim.NewDecided(cfg, sim.Decide{Replay: s.cur})
	var recs []traceRecord
	w.RecordTo(func(r sim.Record) {
		if r.Step == kept.Step {
			recs = append(recs, traceRecord{Step: r.Step, Node: r.Node, Kind: r.Kind, Text: r.Text, F: fieldMap(r.Fields)})
		}
	})
	w.Run(func() { plantedRace(w) })
	line := explainOne(kept, s.cur.Streams[kept.Stream], recs)
	require.Contains(t, line, "reader")
	require.Contains(t, line, "ran before main/writer")
	require.True(t, strings.HasPrefix(line, fmt.Sprintf("step %d:", kept.Step)), line)
}

func fieldMap(fs []sim.Field) map[string]string {
	m := map[string]string{}
	for _, f := range fs {
		m[f.Key] = f.Val
	}
	return m
}

// A shrink stopped by its wall budget keeps what it had: a valid file
// that still fails.
func TestScheduleShrinkStopsAtItsBudget(t *testing.T) {
	cfg, first, file := failingSeed(t, plantedRace)
	s := &schedShrinker{run: worldRunner(cfg, plantedRace), key: failureKey(first), deadline: time.Now(),
		log: &bytes.Buffer{}, cur: file, curRec: first}
	require.ErrorIs(t, s.shrink(context.Background()), errBudgetSpent)
	require.Same(t, file, s.cur)
}

// failureKey tells failures apart by kind and checker, not by the ids
// and numbers in their messages.
func TestFailureKey(t *testing.T) {
	rec := func(kind, msg string) *Record {
		return &Record{JSONResult: sim.JSONResult{Outcome: "fail", Kind: kind, Message: msg}}
	}
	require.Equal(t, failureKey(rec("safety", `invariant "I1 no request after remove" violated: n2 queued REGISTER(d10)`)),
		failureKey(rec("safety", `invariant "I1 no request after remove" violated: n3 queued REGISTER(d4)`)))
	require.NotEqual(t, failureKey(rec("safety", `invariant "I1 x" violated`)), failureKey(rec("safety", `invariant "I13 x" violated`)))
	require.NotEqual(t, failureKey(rec("safety", `invariant "I1 x" violated`)), failureKey(rec("liveness", `invariant "I1 x" violated`)))
	require.Equal(t, failureKey(rec("panic", "current event service should not be empty: dispatcher d35")),
		failureKey(rec("panic", "current event service should not be empty: dispatcher d7")))
	require.Equal(t, "pass", failureKey(&Record{JSONResult: sim.JSONResult{Outcome: "pass"}}))
}

// A --decisions file that is missing, truncated or of another version is
// an input error (exit 2) for every command that takes one, before any
// build.
func TestDecisionsFlagRefusesABadFile(t *testing.T) {
	dir := t.TempDir()
	good := "cdcsim-decisions 1\nworkload TestX\nseed 7\nbinary -\nstream 0 net\n0 0 c ff\nend 1 -\n"
	for name, text := range map[string]string{
		"truncated":  strings.TrimSuffix(good, "end 1 -\n"),
		"version 3":  strings.Replace(good, "decisions 1", "decisions 3", 1),
		"no such":    "",
		"--set with": good,
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		if name != "no such" {
			require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
		}
		for _, cmd := range []string{"replay", "shrink", "pnr"} {
			args := []string{cmd, "--decisions", path}
			if name == "--set with" {
				args = append(args, "--set", "faults=none")
			}
			var out, errOut bytes.Buffer
			require.Equal(t, ExitUsage, Main(args, &out, &errOut), "%s %s: %s", cmd, name, errOut.String())
			want := map[string]string{"no such": "no such file", "--set with": "drop --results and --set"}[name]
			if want == "" {
				want = name
			}
			require.Contains(t, errOut.String(), want, "%s %s", cmd, name)
		}
	}
}
