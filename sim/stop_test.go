package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// stopProgram boots node n1 with a close path that takes closeFor (0:
// never returns) and records, in order, what happened.
func stopProgram(w *World, closeFor time.Duration, log *[]string) *Node {
	n := w.NewNode("n1", func() {
		*log = append(*log, "boot")
		w.OnGracefulStop(func() {
			*log = append(*log, "close begins")
			if closeFor == 0 {
				w.Sleep(time.Hour) // hangs past the timeout
			}
			w.Sleep(closeFor)
			*log = append(*log, "close ends")
		}, func() {
			*log = append(*log, "gone")
		})
	})
	w.Sleep(time.Second)
	return n
}

// A graceful stop runs the node's close path on the node, then takes the
// node down, then runs what follows the node's departure outside it, and
// the restart comes after: the order of TiCDC's server.Close, then the
// maintainer seeing the node gone.
func TestGracefulStopClosesThenGoesDown(t *testing.T) {
	var log []string
	var downAt time.Duration
	res := Run(DefaultConfig(1), func(w *World) {
		n := stopProgram(w, 2*time.Second, &log)
		start := w.Now().Duration()
		w.StopGracefully(n, func() {
			downAt = w.Now().Duration() - start
			require.False(t, n.Up(), "restart callback before the node went down")
			log = append(log, "restart")
			w.Restart(n)
		})
		require.True(t, n.Stopping())
		w.Sleep(time.Second)
		require.True(t, n.Up(), "down before its close path returned")
		w.Sleep(5 * time.Second)
		require.True(t, n.Up())
		require.False(t, n.Stopping(), "a restarted node is not stopping")
	})
	require.Nil(t, res.Failure)
	require.Equal(t, []string{"boot", "close begins", "close ends", "gone", "restart", "boot"}, log)
	require.Equal(t, 2*time.Second, downAt)
}

// A close path that hangs is cut off at GracefulStopTimeout, as TiCDC's
// GracefulShutdownTimeout cuts off a server whose modules do not exit.
func TestGracefulStopTimesOut(t *testing.T) {
	var log []string
	var downAt time.Duration
	res := Run(DefaultConfig(1), func(w *World) {
		n := stopProgram(w, 0, &log)
		start := w.Now().Duration()
		w.StopGracefully(n, func() { downAt = w.Now().Duration() - start })
		w.Sleep(time.Minute)
		require.False(t, n.Up())
	})
	require.Nil(t, res.Failure)
	require.Equal(t, []string{"boot", "close begins", "gone"}, log)
	require.Equal(t, GracefulStopTimeout, downAt)
}

// A node with no close path cannot stop gracefully: the stop is a crash,
// at once.
func TestGracefulStopWithoutClosePathCrashes(t *testing.T) {
	res := Run(DefaultConfig(1), func(w *World) {
		n := w.NewNode("n1", func() {})
		w.Sleep(time.Second)
		w.StopGracefully(n, nil)
		require.False(t, n.Up())
	})
	require.Nil(t, res.Failure)
}

// The swarm's graceful stops happen under node.graceful-stop=1 and are
// traced ("stop", then "stopped ... closed"); under 0 none is, and the
// run hashes as one whose nodes have no close path.
func TestGracefulStopIsASwarmChoice(t *testing.T) {
	run := func(p string, hooks bool) (string, uint64) {
		cfg := DefaultConfig(7)
		require.NoError(t, cfg.Set("node.crash-every", "5s"))
		require.NoError(t, cfg.Set("node.graceful-stop", p))
		var b strings.Builder
		w := New(cfg)
		w.TraceTo(&b)
		res := w.Run(func() {
			for _, name := range []string{"n1", "n2"} {
				w.NewNode(name, func() {
					if hooks {
						w.OnGracefulStop(func() { w.Sleep(time.Second) }, nil)
					}
				})
			}
			w.StartFaults()
			w.Sleep(2 * time.Minute)
			w.Heal()
		})
		require.Nil(t, res.Failure)
		return b.String(), res.Hash
	}
	on, _ := run("1", true)
	require.Greater(t, strings.Count(on, " stop "), 3, "no graceful stop in two minutes of faults every 5 s")
	// A stop that a crash or the run's end cut short has no "stopped".
	require.Greater(t, strings.Count(on, " stopped "), 3)
	off, offHash := run("0", true)
	require.Zero(t, strings.Count(off, " stop "))
	_, bareHash := run("0", false)
	require.Equal(t, bareHash, offHash, "registering a close path moved the hash with graceful stops off")
	d := DeriveConfig(1)
	v, ok := d.Get("node.graceful-stop")
	require.True(t, ok)
	require.Contains(t, d.String(), "node.graceful-stop")
	require.Contains(t, []string{"0", "0.5"}, v)
}
