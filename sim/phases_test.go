package sim

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/network"
	"github.com/stretchr/testify/require"
)

// gossipProgram is a small distributed program on the simulated network:
// three nodes, each sending a heartbeat to the others every 100 ms and
// recording whom it heard from. It runs the safety phase with the
// configuration's faults (crashes included), heals, and then needs every
// node to hear from every other one within 10 s. After a restart a node
// has forgotten everything, as a restarted process would.
func gossipProgram(w *World, heardAfterHeal func(from, to string) bool) {
	net := w.Network()
	names := []string{"n1", "n2", "n3"}
	heard := map[string]map[string]bool{}
	healedAt := time.Duration(-1)
	for _, name := range names {
		w.NewNode(name, func() {
			ep := net.Attach(network.NodeID(name), "hb")
			heard[name] = map[string]bool{}
			w.Go("sender", func() {
				for {
					for _, peer := range names {
						if peer != name {
							ep.Send(network.NodeID(peer), "hb", name)
						}
					}
					w.Sleep(100 * time.Millisecond)
				}
			})
			w.Go("receiver", func() {
				for {
					env, ok := ep.Inbox("hb").Recv()
					if !ok {
						return
					}
					if healedAt >= 0 && heardAfterHeal(string(env.From), name) {
						heard[name][env.Msg.(string)] = true
					}
				}
			})
		})
	}
	w.Eventually("every node hears from every other", 10*time.Second, func() error {
		for _, to := range names {
			for _, from := range names {
				if from != to && !heard[to][from] {
					return fmt.Errorf("node %s has not heard from node %s since the heal", to, from)
				}
			}
		}
		return nil
	})
	w.StartFaults()
	w.Sleep(2 * time.Minute)
	w.Heal()
	healedAt = w.Now().Duration()
	w.AwaitGoals()
}

func harshConfig(seed uint64) Config {
	c := DeriveConfig(seed)
	if err := c.Set("faults", "harsh"); err != nil {
		panic(err)
	}
	return c
}

// Safety with faults, heal, then liveness: under the harsh preset (drops,
// duplicates, spikes, partitions, clogs, crashes) the healed system meets
// its goal on every seed.
func TestPhasesHealThenLiveness(t *testing.T) {
	crashes := 0
	for seed := uint64(1); seed <= 30; seed++ {
		var b strings.Builder
		w := New(harshConfig(seed))
		w.TraceTo(&b)
		res := w.Run(func() { gossipProgram(w, func(string, string) bool { return true }) })
		require.Nil(t, res.Failure, "seed %d: %v", seed, res.Failure)
		require.Equal(t, PhaseLiveness, w.Phase())
		crashes += strings.Count(b.String(), " crash ")
		st := w.Network().Stats()
		require.Greater(t, st.Delivered, uint64(1000))
		require.Greater(t, st.DroppedRandom+st.DroppedCut+st.DroppedDown, uint64(0), "seed %d: harsh faults dropped nothing", seed)
	}
	require.Greater(t, crashes, 30, "the harsh preset should crash nodes")
}

// A goal that cannot be met after the heal fails the run as liveness,
// naming what is missing.
func TestPhasesLivenessFailureNamesTheGap(t *testing.T) {
	res := Run(harshConfig(3), func(w *World) {
		gossipProgram(w, func(from, to string) bool { return from != "n2" || to != "n3" })
	})
	require.NotNil(t, res.Failure)
	require.Equal(t, KindLiveness, res.Failure.Kind)
	require.Contains(t, res.Failure.Message, `goal "every node hears from every other" unmet within 10s: node n3 has not heard from node n2 since the heal`)
}

// The printed configuration of a seed, pinned back key by key onto an
// unrelated default configuration, reproduces the run: same hash.
func TestPrintedConfigPinnedBackReproducesTheRun(t *testing.T) {
	body := func(w *World) { gossipProgram(w, func(string, string) bool { return true }) }
	for seed := uint64(1); seed <= 10; seed++ {
		cfg := DeriveConfig(seed)
		want := Run(cfg, body)
		var pins Pins
		for _, line := range strings.Split(strings.TrimSpace(cfg.String()), "\n") {
			k, v, _ := strings.Cut(line, "=")
			pins = append(pins, strings.TrimSpace(k)+"="+strings.TrimSpace(v))
		}
		back := DefaultConfig(0)
		require.NoError(t, pins.Apply(&back))
		require.Equal(t, cfg, back, "seed %d", seed)
		got := Run(back, body)
		require.Equal(t, want.Hash, got.Hash, "seed %d", seed)
	}
}

// Same seed, same delivery schedule: the network's counters and the hash
// agree between two runs; different seeds differ.
func TestNetworkScheduleIsDeterministic(t *testing.T) {
	body := func(w *World) { gossipProgram(w, func(string, string) bool { return true }) }
	hashes := map[uint64]bool{}
	for seed := uint64(1); seed <= 20; seed++ {
		var st [2]network.Stats
		var h [2]uint64
		for i := range 2 {
			w := New(DeriveConfig(seed))
			res := w.Run(func() { body(w) })
			require.Nil(t, res.Failure, "seed %d: %v", seed, res.Failure)
			st[i], h[i] = w.Network().Stats(), res.Hash
		}
		require.Equal(t, st[0], st[1], "seed %d", seed)
		require.Equal(t, h[0], h[1], "seed %d", seed)
		require.False(t, hashes[h[0]], "seed %d repeats a hash", seed)
		hashes[h[0]] = true
	}
}

// Presets set every fault field; an unknown preset or an out-of-range
// rate is a clear error.
func TestFaultPresetsAndBadValues(t *testing.T) {
	c := DefaultConfig(1)
	require.NoError(t, c.Set("faults", "harsh"))
	require.Equal(t, 0.05, c.Net.DropP)
	require.Equal(t, 20*time.Second, c.CrashEvery)
	require.NoError(t, c.Set("faults", "none"))
	require.Zero(t, c.Net.DropP)
	require.Zero(t, c.CrashEvery)
	// swarm after a preset brings back the seed's draw, not only its name.
	for seed := uint64(1); seed <= 20; seed++ {
		want := DeriveConfig(seed)
		c := DefaultConfig(seed)
		require.NoError(t, c.Set("faults", "harsh"))
		require.NoError(t, c.Set("faults", "swarm"))
		require.Equal(t, want.Faults, c.Faults)
		require.Equal(t, want.Net, c.Net, "seed %d", seed)
		require.Equal(t, want.CrashEvery, c.CrashEvery, "seed %d", seed)
		require.Equal(t, want.RestartAfter, c.RestartAfter, "seed %d", seed)
	}
	require.ErrorContains(t, c.Set("faults", "brutal"), `unknown preset "brutal"; known presets: none, lite, default, harsh`)
	require.ErrorContains(t, c.Set("net.drop", "1.5"), `bad value "1.5" for net.drop: want a probability in [0, 1]`)
	require.ErrorContains(t, c.Set("net.latency", "gauss(1ms)"), `bad value "gauss(1ms)" for net.latency`)
	require.ErrorContains(t, c.Set("net.link-capacity", "0"), `want an integer in [1,`)
	require.ErrorContains(t, c.Set("node.crash-every", "-1s"), `bad value "-1s" for node.crash-every`)
	require.ErrorContains(t, c.Set("net.bogus", "1"), `unknown configuration key "net.bogus"`)
}
