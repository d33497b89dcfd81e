package dst

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/sim"
	"github.com/stretchr/testify/require"
)

// plantedDoom decides its fate with one draw: at 2ms the main task draws
// from the "doom" stream, and half the draws doom the run, which fails
// at 6ms. Noise tasks draw and sleep around it, so there are decisions
// before and after the fateful one.
func plantedDoom(w *sim.World) {
	noise := w.Rand("noise")
	for i := range 4 {
		w.Go(fmt.Sprintf("noise%d", i), func() {
			for range 40 {
				w.Sleep(time.Duration(1+noise.IntN(200)) * time.Microsecond)
			}
		})
	}
	w.Sleep(2 * time.Millisecond)
	doomed := w.Rand("doom").IntN(2) == 0
	w.Sleep(4 * time.Millisecond)
	if doomed {
		panic("doomed since the draw at 2ms")
	}
	w.Sleep(10 * time.Millisecond)
}

// The point of no return of the planted program is the step after its
// fateful draw: a prefix that includes the draw fails every time, one
// that stops before it fails about half the time.
func TestPointOfNoReturnIsTheFatefulDraw(t *testing.T) {
	cfg, first, file := failingSeed(t, plantedDoom)
	var drawStep uint64
	found := false
	for _, d := range file.Decisions {
		if file.Streams[d.Stream] == "doom" {
			drawStep, found = d.Step, true
		}
	}
	require.True(t, found, "the run drew no doom")
	var log bytes.Buffer
	p := &pnrSearch{run: worldRunner(cfg, plantedDoom), file: file, key: failureKey(first),
		n: 20, threshold: 0.95, parallel: 1, log: &log}
	res, err := p.find(context.Background(), first.Steps)
	require.NoError(t, err)
	require.Equal(t, drawStep+1, res.hi, "search log:\n%s", log.String())
	require.Equal(t, drawStep, res.lo)
	require.GreaterOrEqual(t, res.failHi, 19)
	require.Less(t, res.failLo, 19) // a lower bound: the count stops once 2 escapes decide it
}

// A run doomed by its configuration alone is certain from the first
// step, and the search says so after two probes.
func TestPointOfNoReturnOfADoomedConfiguration(t *testing.T) {
	body := func(w *sim.World) {
		w.Rand("noise").IntN(10)
		w.Sleep(time.Millisecond)
		panic("always")
	}
	cfg := sim.DefaultConfig(1)
	first, file, err := worldRunner(cfg, body)(context.Background(), decisionTry{record: true})
	require.NoError(t, err)
	p := &pnrSearch{run: worldRunner(cfg, body), file: file, key: failureKey(first), n: 5, threshold: 0.95, parallel: 2, log: &bytes.Buffer{}}
	res, err := p.find(context.Background(), first.Steps)
	require.NoError(t, err)
	require.Equal(t, uint64(1), res.hi)
	require.Equal(t, 5, res.failHi)
}

// Early stopping: once the verdict cannot change, no more continuations
// run.
func TestPointOfNoReturnStopsEarly(t *testing.T) {
	runs := 0
	p := &pnrSearch{n: 20, threshold: 0.95, parallel: 1, key: "pass", log: &bytes.Buffer{},
		run: func(ctx context.Context, t decisionTry) (*Record, *sim.DecisionFile, error) {
			runs++
			return &Record{JSONResult: sim.JSONResult{Outcome: "fail", Kind: "panic", Message: "x"}}, nil, nil
		}}
	f, err := p.fails(context.Background(), 5)
	require.NoError(t, err)
	require.Zero(t, f)
	require.Equal(t, 2, runs, "20 continuations, 19 needed: two escapes decide it")
}
