package dst

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// chromium finds a headless-capable Chromium. Without one the browser
// test fails in CI (CI=true: .ci/run installs Debian's chromium, so a
// missing browser is a broken CI, not a reason to pass) and skips, saying
// how to get one, on a developer's machine.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no Chromium on PATH in CI: .ci/run installs it (apt-get install -y chromium)")
	}
	t.Skip("no Chromium on PATH: apt-get install -y chromium to run the timeline's browser test (CI fails without it)")
	return ""
}

// The timeline page of a canary seed works in a real browser: F3's seed
// (TestMerge seed 1, patches h1,h3, bug f3-callback-kept, as
// TestCanaryF3CallbackKept finds it) loads without a console error or an
// exception, opens on the failure with its red marker on screen, and
// the dispatcher filter leaves only that dispatcher's lane; a fixture
// seed's page, with no dispatcher or partition, loads as cleanly. The
// screenshot goes to $TIMELINE_SCREENSHOT, or to the temporary
// directory (the log says where).
func TestTimelineInChromium(t *testing.T) {
	exe := chromium(t)
	page := filepath.Join(t.TempDir(), "f3.html")
	code, out, errOut := dst(t, "timeline", "--pkg", "../../workloads", "--workload", "TestMerge", "--seed", "1",
		"--set", "patch=h1,h3", "--set", "bug=f3-callback-kept", "-o", page)
	require.Equal(t, ExitClean, code, "%s\n%s", out, errOut)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1280, 860))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	var mu sync.Mutex
	var problems []string
	require.NoError(t, chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				problems = append(problems, fmt.Sprintf("console.%s: %v", ev.Type, argsText(ev.Args)))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, fmt.Sprintf("exception: %s line %d", ev.ExceptionDetails.Text, ev.ExceptionDetails.LineNumber))
		}
	}))

	type markerState struct {
		Visible, OnScreen bool
		Label             string
	}
	lanes := chromedp.Evaluate[[]string](`[...document.querySelectorAll('.lane.disp')].filter(e => e.offsetParent !== null).map(e => e.dataset.disp)`)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("file://"+page)))
	marker, err := chromedp.Run(ctx, chromedp.Evaluate[markerState](`(() => {
		const m = document.getElementById('failure-marker'), r = m.getBoundingClientRect();
		return { Visible: !m.hidden && r.width > 0 && r.height > 0,
			OnScreen: r.left >= 0 && r.right <= window.innerWidth && r.top < window.innerHeight && r.bottom > 0,
			Label: m.textContent }; })()`))
	require.NoError(t, err)
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	before, err := chromedp.Run(ctx, lanes)
	require.NoError(t, err)
	require.True(t, marker.Visible, "the failure marker is not drawn")
	require.True(t, marker.OnScreen, "the failure marker is off screen")
	require.Contains(t, marker.Label, "I13", "the marker does not carry the failure's message")
	require.Greater(t, len(before), 1, "the canary run should show several dispatchers' lanes")

	pick := before[len(before)-1]
	require.NoError(t, chromedp.Do(ctx, chromedp.SetValue("#disp-filter", pick),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('disp-filter').dispatchEvent(new Event('change')), undefined`)))
	after, err := chromedp.Run(ctx, lanes)
	require.NoError(t, err)
	require.Equal(t, []string{pick}, after, "the dispatcher filter left other dispatchers' lanes")
	// A page with little in it (a fixture run: no dispatcher, no
	// partition) must load as cleanly.
	bare := filepath.Join(t.TempDir(), "fixture.html")
	code, out, errOut = dst(t, "timeline", "--pkg", fixture, "--workload", "TestFixture", "--seed", "26", "-o", bare)
	require.Equal(t, ExitClean, code, "%s\n%s", out, errOut)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("file://"+bare)))
	ready, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`window.timelineReady`))
	require.NoError(t, err, "the fixture's page did not finish drawing")
	require.Positive(t, ready)
	mu.Lock()
	require.Empty(t, problems, "the page logged errors")
	mu.Unlock()

	dest := os.Getenv("TIMELINE_SCREENSHOT")
	if dest == "" {
		dest = filepath.Join(os.TempDir(), "cdcsim-timeline-f3.png")
	}
	require.NoError(t, os.WriteFile(dest, shot, 0o644))
	t.Logf("page %s (%d dispatcher lanes), screenshot %s (%d bytes)", page, len(before), dest, len(shot))
}

func argsText(args []*runtime.RemoteObject) string {
	var parts []string
	for _, a := range args {
		if a.Value != nil {
			parts = append(parts, string(a.Value))
		} else {
			parts = append(parts, a.Description)
		}
	}
	return strings.Join(parts, " ")
}
