package dst

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/workloads"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestTimelineScale measures what a timeline page costs for a long run:
// a run of about a million steps (the steady workload's cluster with 32
// tables and seven minutes of the default fault preset) is recorded,
// turned into a page, and loaded in Chromium; the log gives the step
// count, the records' and the page's size, the build time and the load
// time (navigation start to the first drawing), which must stay under
// ten seconds. With TIMELINE_PAGES=GLOB it also loads those pages (the
// canaries' pages, written with dst timeline) and logs the same. It is
// a measurement, minutes of CPU, so it runs only with TIMELINE_SCALE=1.
func TestTimelineScale(t *testing.T) {
	if os.Getenv("TIMELINE_SCALE") == "" {
		t.Skip("a measurement: set TIMELINE_SCALE=1 (and TIMELINE_PAGES=GLOB for more pages)")
	}
	exe := chromium(t)
	dir := t.TempDir()
	recs := filepath.Join(dir, "records.jsonl")
	f, err := os.Create(recs)
	require.NoError(t, err)
	bw := bufio.NewWriterSize(f, 1<<20)
	var line []byte
	cfg := sim.DeriveConfig(1)
	require.NoError(t, cfg.Set("faults", "default"))
	workloads.Patched(&cfg)
	w := sim.New(cfg)
	w.RecordTo(func(r sim.Record) { line = append(r.AppendJSON(line[:0]), '\n'); bw.Write(line) })
	start := time.Now()
	res := w.Run(func() {
		cc := cluster.DefaultConfig()
		cc.Upstream = cluster.DefaultUpstreamConfig(32)
		r := workloads.Start(w, cc)
		r.AddTables(1, 32)
		r.Faults(7*time.Minute, nil)
	})
	require.NoError(t, bw.Flush())
	require.NoError(t, f.Close())
	ran := time.Since(start)
	require.Nil(t, res.Failure)
	in, err := os.Open(recs)
	require.NoError(t, err)
	defer in.Close()
	start = time.Now()
	tl, err := buildTimeline(in, res.Steps)
	require.NoError(t, err)
	tl.Workload, tl.Seed, tl.Outcome, tl.Pins = "steady, 32 tables, 7 min of faults=default", 1, "pass", []string{}
	page, err := renderTimeline(tl)
	require.NoError(t, err)
	built := time.Since(start)
	pagePath := filepath.Join(dir, "million.html")
	require.NoError(t, os.WriteFile(pagePath, page, 0o644))
	st, err := os.Stat(recs)
	require.NoError(t, err)
	t.Logf("%d steps, run with records %v, %d MB of records, page built in %v", res.Steps, ran.Round(time.Millisecond), st.Size()>>20, built.Round(time.Millisecond))

	pages := []string{pagePath}
	if g := os.Getenv("TIMELINE_PAGES"); g != "" {
		more, err := filepath.Glob(g)
		require.NoError(t, err)
		pages = append(pages, more...)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1280, 860))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	for _, p := range pages {
		ctx, cancel := chromedp.NewContext(actx)
		ctx, cancel2 := context.WithTimeout(ctx, 2*time.Minute)
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("file://"+p)))
		ms, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`window.timelineReady`))
		require.NoError(t, err)
		cancel2()
		cancel()
		info, err := os.Stat(p)
		require.NoError(t, err)
		t.Logf("%s: %d KB, ready %.0f ms after navigation start", filepath.Base(p), info.Size()>>10, ms)
		require.Less(t, ms, 10000.0, "%s loads too slowly", p)
	}
}
