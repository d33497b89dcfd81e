package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cdcsim/cdcsim/knob"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/variant"
)

// Strategy chooses which runnable task runs next.
type Strategy string

const (
	// StrategyRandom picks uniformly among the runnable tasks.
	StrategyRandom Strategy = "random"
	// StrategyPCT is probabilistic concurrency testing (Burckhardt et al.,
	// ASPLOS 2010): each task has a random priority, the highest runnable
	// runs, and at PCTDepth-1 random steps the running task drops to the
	// lowest priority. It finds bugs of small depth with a known
	// probability, where uniform choice spreads its effort thin.
	StrategyPCT Strategy = "pct"
	// StrategyOldest always runs the runnable task that was created
	// first. No choice is random, so a failure that survives it does not
	// hang on a lucky interleaving; dst shrink tries it, the swarm never
	// draws it (a fixed order explores nothing).
	StrategyOldest Strategy = "oldest"
)

// strategies are the valid values of Config.Strategy.
var strategies = []Strategy{StrategyRandom, StrategyPCT, StrategyOldest} //dst:allow package-state: a read-only table

// Config is the whole configuration of one run. Everything that shapes a
// run is here, so that the seed plus this block, printed on failure and
// pinned back with -sim.set, reproduces it.
type Config struct {
	// Seed owns all randomness of the run.
	Seed uint64
	// Strategy picks the next task among those runnable at one instant.
	Strategy Strategy
	// PCTDepth is the bug depth d PCT targets: it places d-1 priority
	// change points. Invariant: >= 1.
	PCTDepth int
	// PCTSteps is the number of steps over which PCT spreads its change
	// points (its k). Invariant: >= 1.
	PCTSteps int
	// GapP is the probability that a task coming to take a lock after
	// releasing one in the same step (a check-then-act gap) is held back
	// from the next 1..GapPicks picks of its instant, so that other tasks
	// reach their critical sections first (gap.go). 0, the default, holds
	// nothing and draws nothing. Invariant: in [0, 1].
	GapP float64
	// GapPicks is the longest such hold, in picks. Invariant: >= 1.
	GapPicks int
	// BuggifyP is the probability that a Buggify fault site is switched
	// on for the whole run. 0 switches every site off. The faults preset
	// sets it (none: 0, else 0.25). Invariant: in [0, 1].
	BuggifyP float64
	// BuggifyQ is the probability that a switched-on site without a rate
	// of its own (package fault) fires each time it is reached.
	// Invariant: in [0, 1].
	BuggifyQ float64
	// sitePins are the fault sites' rates pinned with -sim.set
	// fault.NAME=rate (faultsite.go); the others are drawn from the seed.
	sitePins []sitePin
	// MaxSteps bounds the number of scheduler steps. Invariant: > 0.
	MaxSteps uint64
	// MaxTime bounds virtual time. Invariant: > 0.
	MaxTime time.Duration
	// MaxWall bounds the wall-clock time of the run. Invariant: > 0.
	MaxWall time.Duration

	// Faults names where the fault rates came from: "swarm" (drawn from
	// the seed) or a preset (none, lite, default, harsh).
	Faults string
	// Net is the network's faults (package network).
	Net network.Faults
	// CrashEvery is the mean time between node crashes in the safety phase
	// (0: no crashes); a crashed node restarts after RestartAfter.
	CrashEvery   time.Duration
	RestartAfter network.Dist
	// GracefulStop is the probability that a node fault is a graceful
	// stop rather than a crash (stop.go): the node runs its close path,
	// TiCDC's server.Close, before it goes down. Invariant: in [0, 1].
	GracefulStop float64

	// Variants are the model's bugs and patches that are on (package
	// variant); the zero value is HEAD behaviour.
	Variants variant.Set

	// SyncPointInterval is the modelled changefeed's sync-point interval
	// (0: sync points off), and LargeTxnP the probability that an
	// upstream transaction is large enough for the event service to
	// split it across events (0: none). The simulator only carries them:
	// package workloads passes them to the cluster it starts. The swarm
	// leaves both off; a workload that exercises them draws them
	// (sim.Configure), and -sim.set pins them on any workload.
	SyncPointInterval time.Duration
	LargeTxnP         float64
}

// DefaultConfig returns the configuration of seed with every field at its
// default, before any swarm draw.
func DefaultConfig(seed uint64) Config {
	c := Config{
		Seed:     seed,
		Strategy: StrategyRandom,
		PCTDepth: 3,
		PCTSteps: 20000,
		GapPicks: 4096,
		BuggifyQ: 0.05,
		MaxSteps: 20_000_000,
		MaxTime:  24 * time.Hour,
		MaxWall:  2 * time.Minute,
	}
	c.applyPreset(network.PresetNone)
	return c
}

// applyPreset sets every fault field from a preset.
func (c *Config) applyPreset(p network.Preset) error {
	net, err := network.PresetFaults(p)
	if err != nil {
		return err
	}
	c.Faults, c.Net = string(p), net
	c.BuggifyP = 0.25
	if p == network.PresetNone {
		c.BuggifyP = 0 // no fault site fires either
	}
	c.clearSitePins()
	c.CrashEvery, c.RestartAfter = 0, network.Uniform(time.Second, 20*time.Second)
	c.GracefulStop = 0 // presets crash only: the reference runs keep their hashes
	switch p {
	case network.PresetDefault:
		c.CrashEvery = 2 * time.Minute
	case network.PresetHarsh:
		c.CrashEvery = 20 * time.Second
	}
	return nil
}

// DeriveConfig returns the configuration a seed stands for: the defaults,
// then a swarm draw (Groce et al., "Swarm testing") that varies the
// scheduling strategy, switches Buggify (every fault site) off for half
// of the seeds, holds tasks in check-then-act gaps for half (gap.p), and
// switches each network fault kind and node crashes on or off with its own
// rate, so that one sweep covers runs with and without each kind of
// perturbation. The draw uses its own stream, so it does not shift the
// run's.
func DeriveConfig(seed uint64) Config {
	c := DefaultConfig(seed)
	r := rand.New(rand.NewPCG(splitmix64(seed), fnv64("config")))
	if r.IntN(4) == 0 {
		c.Strategy = StrategyPCT
		c.PCTDepth = 1 + r.IntN(4)
	}
	c.BuggifyP = 0.25
	if r.IntN(2) == 0 {
		c.BuggifyP = 0
	}
	c.Faults = "swarm"
	c.Net = network.SwarmFaults(r)
	if r.IntN(2) == 0 {
		c.CrashEvery = time.Duration(10+r.IntN(300)) * time.Second
	}
	// Half of the seeds hold every task in a check-then-act gap until
	// the other tasks of its instant have run (gap.go): F1's window is
	// reached in 9 of seeds 1-100 of the heartbeat workload without, in
	// 55 with (BENCHMARKS.md, "Check-then-act gaps"). Drawn after the
	// draws above, so that they, and the seeds that draw no hold, are
	// unchanged.
	if r.IntN(2) == 0 {
		c.GapP = 1
	}
	// Drawn last, so every draw above stays where it was: half the seeds
	// stop half their faulted nodes gracefully.
	if r.IntN(2) == 0 {
		c.GracefulStop = 0.5
	}
	return c
}

// keys are the printable, pinnable fields of Config, in print order. The
// faults preset comes before the fields it sets, so a printed block pinned
// back in order reproduces the configuration.
var keys = configKeys() //dst:allow package-state: a read-only table

func configKeys() []knob.Key[Config] {
	ks := []knob.Key[Config]{
		{Name: "seed", Doc: "the run's seed (decimal or 0x hex)",
			Get: func(c *Config) string { return strconv.FormatUint(c.Seed, 10) },
			Set: func(c *Config, s string) error { return setIfOK(&c.Seed, s, ParseSeed) }},
		{Name: "strategy", Doc: "scheduling strategy: random, pct or oldest",
			Get: func(c *Config) string { return string(c.Strategy) },
			Set: func(c *Config, s string) error {
				if !slices.Contains(strategies, Strategy(s)) {
					return fmt.Errorf("want random, pct or oldest")
				}
				c.Strategy = Strategy(s)
				return nil
			}},
		knob.Int("pct.depth", "PCT bug depth d", 1, 1000, func(c *Config) *int { return &c.PCTDepth }),
		knob.Int("pct.steps", "steps over which PCT spreads its change points", 1, 1<<40, func(c *Config) *int { return &c.PCTSteps }),
		knob.Prob("gap.p", "probability that a task in a check-then-act gap (it released a lock and comes to take one) is held back for a few picks", func(c *Config) *float64 { return &c.GapP }),
		knob.Int("gap.picks", "longest hold of a task in a check-then-act gap, in picks", 1, 1<<20, func(c *Config) *int { return &c.GapPicks }),
		knob.Uint64("budget.steps", "step budget", func(c *Config) *uint64 { return &c.MaxSteps }),
		knob.Duration("budget.time", "virtual-time budget", false, func(c *Config) *time.Duration { return &c.MaxTime }),
		knob.Duration("budget.wall", "wall-clock budget", false, func(c *Config) *time.Duration { return &c.MaxWall }),
		{Name: "bug", Doc: "bug variants on, comma-separated (-sim.bug); see package variant",
			Get: func(c *Config) string { return strings.Join(c.Variants.BugNames(), ",") },
			Set: func(c *Config, s string) error {
				return setIfOK(&c.Variants, s, func(s string) (variant.Set, error) {
					return variant.Parse(s, strings.Join(c.Variants.PatchNames(), ","))
				})
			}},
		{Name: "patch", Doc: "patch variants on, comma-separated (-sim.patch); see package variant",
			Get: func(c *Config) string { return strings.Join(c.Variants.PatchNames(), ",") },
			Set: func(c *Config, s string) error {
				return setIfOK(&c.Variants, s, func(s string) (variant.Set, error) {
					return variant.Parse(strings.Join(c.Variants.BugNames(), ","), s)
				})
			}},
		{Name: "faults", Doc: "fault preset: none, lite, default, harsh (sets every fault field below, buggify.p and the fault sites); swarm: drawn from the seed",
			Get: func(c *Config) string { return c.Faults },
			Set: func(c *Config, s string) error {
				if s == "swarm" {
					// The seed's own draw, so that swarm after another
					// preset restores the fault fields, not only the label.
					d := DeriveConfig(c.Seed)
					c.Faults, c.Net = d.Faults, d.Net
					c.CrashEvery, c.RestartAfter = d.CrashEvery, d.RestartAfter
					c.GracefulStop = d.GracefulStop
					c.BuggifyP, c.BuggifyQ = d.BuggifyP, d.BuggifyQ
					c.clearSitePins()
					return nil
				}
				return c.applyPreset(network.Preset(s))
			}},
		knob.Duration("node.crash-every", "mean time between node crashes (0s: off)", true, func(c *Config) *time.Duration { return &c.CrashEvery }),
		{Name: "node.restart-after", Doc: "how long a crashed node stays down",
			Get: func(c *Config) string { return c.RestartAfter.String() },
			Set: func(c *Config, s string) error { return setIfOK(&c.RestartAfter, s, network.ParseDist) }},
		knob.Duration("changefeed.syncpoint-interval", "the changefeed's sync-point interval (0s: off; the model's ts counts milliseconds)", true,
			func(c *Config) *time.Duration { return &c.SyncPointInterval }),
		knob.Prob("upstream.large-txn-p", "probability that a transaction is large enough to be split across events",
			func(c *Config) *float64 { return &c.LargeTxnP }),
		knob.Prob("node.graceful-stop", "probability that a node fault is a graceful stop (the node's close path, then down) rather than a crash", func(c *Config) *float64 { return &c.GracefulStop }),
	}
	ks = append(ks, knob.Lift(network.Keys(), func(c *Config) *network.Faults { return &c.Net })...)
	return append(ks, buggifyKeys()...)
}

// setIfOK parses s into *field only when it parses: a refused value
// leaves the configuration as it was (FuzzConfigSet found
// node.restart-after=0 resetting the field to a zero Dist).
func setIfOK[T any](field *T, s string, parse func(string) (T, error)) error {
	v, err := parse(s)
	if err != nil {
		return err
	}
	*field = v
	return nil
}

// Keys returns the names of the configuration keys, in print order.
func Keys() []string { return knob.Names(keys) }

// KeyDoc returns the one-line description of a key.
func KeyDoc(name string) string {
	if k := knob.Find(keys, name); k != nil {
		return k.Doc
	}
	return ""
}

// Set pins one field by key, as -sim.set key=value does.
func (c *Config) Set(name, value string) error { return knob.Set(keys, c, name, value) }

// Get returns the printed value of a key.
func (c *Config) Get(name string) (string, bool) {
	k := knob.Find(keys, name)
	if k == nil {
		return "", false
	}
	return k.Get(c), true
}

// String prints the configuration as one block, a "key = value" line per
// field, in a fixed order.
func (c Config) String() string { return knob.Print(keys, &c) }

// Validate checks every invariant of the fields, so a bad configuration
// fails before any state exists.
func (c *Config) Validate() error {
	var errs []string
	if !slices.Contains(strategies, c.Strategy) {
		errs = append(errs, fmt.Sprintf("strategy %q is not random, pct or oldest", c.Strategy))
	}
	if c.PCTDepth < 1 || c.PCTSteps < 1 {
		errs = append(errs, "pct.depth and pct.steps must be >= 1")
	}
	if !(c.GapP >= 0 && c.GapP <= 1) || c.GapPicks < 1 {
		errs = append(errs, "gap.p must be in [0, 1] and gap.picks >= 1")
	}
	if c.BuggifyP < 0 || c.BuggifyP > 1 || c.BuggifyQ < 0 || c.BuggifyQ > 1 {
		errs = append(errs, "buggify.p and buggify.q must be in [0, 1]")
	}
	if c.MaxSteps == 0 || c.MaxTime <= 0 || c.MaxWall <= 0 {
		errs = append(errs, "budgets must be positive")
	}
	if err := c.Net.Validate(); err != nil {
		errs = append(errs, err.Error())
	}
	if c.CrashEvery < 0 {
		errs = append(errs, "node.crash-every must not be negative")
	}
	if c.GracefulStop < 0 || c.GracefulStop > 1 {
		errs = append(errs, "node.graceful-stop must be in [0, 1]")
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid configuration: %s", strings.Join(errs, "; "))
	}
	return nil
}

// Pins is a list of key=value settings applied over a derived
// configuration, in order.
type Pins []string

// Apply pins every setting onto c.
func (p Pins) Apply(c *Config) error {
	for _, kv := range p {
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("setting %q is not key=value", kv)
		}
		if err := c.Set(strings.TrimSpace(name), strings.TrimSpace(value)); err != nil {
			return err
		}
	}
	return nil
}

// Flags renders the pins as command-line flags for a replay line.
func (p Pins) Flags() string {
	var b strings.Builder
	for _, kv := range slices.Clone(p) {
		fmt.Fprintf(&b, " -sim.set=%s", quoteArg(kv))
	}
	return b.String()
}

// ParseSeed parses a seed in decimal or 0x-prefixed hex.
func ParseSeed(s string) (uint64, error) {
	base, digits := 10, s
	if rest, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		base, digits = 16, rest
	}
	v, err := strconv.ParseUint(digits, base, 64)
	if err != nil {
		return 0, fmt.Errorf("seed %q is not a uint64 in decimal or 0x hex", s)
	}
	return v, nil
}

// seed returns the seed pinned by a seed=N setting, the last one if
// there are several.
func (p Pins) seed() (uint64, bool) {
	var v uint64
	var ok bool
	for _, kv := range p {
		k, val, _ := strings.Cut(kv, "=")
		if strings.TrimSpace(k) != "seed" {
			continue
		}
		if s, err := ParseSeed(strings.TrimSpace(val)); err == nil {
			v, ok = s, true
		}
	}
	return v, ok
}

// shellQuote quotes a shell word always, in single quotes, a quote
// inside it closed, escaped and reopened.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// quoteArg quotes a shell argument only when it needs it.
func quoteArg(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.=/:,+^$", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
