package clock_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cdcsim/cdcsim/sim"
)

// timeout bounds every real-mode scenario: far longer than any of them
// needs, short enough that a deadlock fails the test instead of hanging it.
const timeout = 10 * time.Second

// seeds is the number of seeds a test sweeps when the interleaving matters.
const seeds = 200

// cfgFor returns the configuration of one simulated run: the defaults of
// seed with a wall-clock budget short enough that a hung run fails the
// test instead of stalling it.
func cfgFor(seed uint64) sim.Config {
	cfg := sim.DefaultConfig(seed)
	cfg.MaxWall = 20 * time.Second
	return cfg
}

// simRun runs main under the simulator and returns the result, whether it
// passed or not.
func simRun(seed uint64, main func(w *sim.World)) *sim.Result {
	return sim.Run(cfgFor(seed), main)
}

// mustPass runs main under the simulator and fails the test with the
// simulator's report if the run failed (a panic inside a task, a deadlock,
// an exhausted budget).
func mustPass(t testing.TB, seed uint64, main func(w *sim.World)) *sim.Result {
	t.Helper()
	res := simRun(seed, main)
	if res.Failure != nil {
		t.Fatalf("seed %d failed:\n%s", seed, report(res))
	}
	return res
}

// eachSeed runs main under seeds 1..n and requires every run to pass.
func eachSeed(t *testing.T, n int, main func(w *sim.World)) {
	t.Helper()
	for seed := uint64(1); seed <= uint64(n); seed++ {
		mustPass(t, seed, main)
	}
}

func report(res *sim.Result) string {
	if res.Failure == nil {
		return "(passed)"
	}
	return res.Failure.Report()
}

// check is an assertion for code running inside a simulated task: require
// must not be called there (t.FailNow ends the goroutine, and a task is a
// coroutine of the scheduler), so a broken expectation panics instead and
// the simulator turns it into a failure of the run, with the task's name
// and stack.
func check(cond bool, format string, args ...any) {
	if !cond {
		panic("check failed: " + fmt.Sprintf(format, args...))
	}
}

// ms is a shorthand for virtual durations.
func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// within runs f on its own goroutine and fails the test if it has not
// returned after d, so that a real-mode test that deadlocks fails rather
// than hanging the suite. A panic in f is reported as a failure.
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		f()
	}()
	select {
	case p := <-done:
		require.Nil(t, p, "panic in real-mode test body")
	case <-time.After(d):
		t.Fatalf("real-mode test did not finish within %s (deadlock?)", d)
	}
}

// panicValue calls f and returns what it panicked with, or nil.
func panicValue(f func()) (p any) {
	defer func() { p = recover() }()
	f()
	return nil
}
