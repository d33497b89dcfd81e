package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
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
)

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
	// BuggifyP is the probability that a Buggify site is switched on for
	// the whole run. 0 switches Buggify off. Invariant: in [0, 1].
	BuggifyP float64
	// BuggifyQ is the probability that a switched-on site fires each time
	// it is reached. Invariant: in [0, 1].
	BuggifyQ float64
	// MaxSteps bounds the number of scheduler steps. Invariant: > 0.
	MaxSteps uint64
	// MaxTime bounds virtual time. Invariant: > 0.
	MaxTime time.Duration
	// MaxWall bounds the wall-clock time of the run. Invariant: > 0.
	MaxWall time.Duration
}

// DefaultConfig returns the configuration of seed with every field at its
// default, before any swarm draw.
func DefaultConfig(seed uint64) Config {
	return Config{
		Seed:     seed,
		Strategy: StrategyRandom,
		PCTDepth: 3,
		PCTSteps: 20000,
		BuggifyP: 0.25,
		BuggifyQ: 0.05,
		MaxSteps: 20_000_000,
		MaxTime:  24 * time.Hour,
		MaxWall:  2 * time.Minute,
	}
}

// DeriveConfig returns the configuration a seed stands for: the defaults,
// then a swarm draw that varies the scheduling strategy and switches
// Buggify off for half of the seeds, so that one sweep covers runs with
// and without each kind of perturbation (Groce et al., "Swarm testing").
// The draw uses its own stream, so it does not shift the run's.
func DeriveConfig(seed uint64) Config {
	c := DefaultConfig(seed)
	r := rand.New(rand.NewPCG(splitmix64(seed), fnv64("config")))
	if r.IntN(4) == 0 {
		c.Strategy = StrategyPCT
		c.PCTDepth = 1 + r.IntN(4)
	}
	if r.IntN(2) == 0 {
		c.BuggifyP = 0
	}
	return c
}

// key is one printable, pinnable field of Config.
type key struct {
	name string
	doc  string
	get  func(*Config) string
	set  func(*Config, string) error
}

var keys = []key{
	{"seed", "the run's seed (decimal or 0x hex)",
		func(c *Config) string { return strconv.FormatUint(c.Seed, 10) },
		func(c *Config, s string) (err error) { c.Seed, err = ParseSeed(s); return err }},
	{"strategy", "scheduling strategy: random or pct",
		func(c *Config) string { return string(c.Strategy) },
		func(c *Config, s string) error {
			switch Strategy(s) {
			case StrategyRandom, StrategyPCT:
				c.Strategy = Strategy(s)
				return nil
			}
			return fmt.Errorf("want random or pct")
		}},
	{"pct.depth", "PCT bug depth d (>= 1)",
		func(c *Config) string { return strconv.Itoa(c.PCTDepth) },
		intSetter(func(c *Config) *int { return &c.PCTDepth }, 1, 1000)},
	{"pct.steps", "steps over which PCT spreads change points (>= 1)",
		func(c *Config) string { return strconv.Itoa(c.PCTSteps) },
		intSetter(func(c *Config) *int { return &c.PCTSteps }, 1, 1<<40)},
	{"buggify.p", "probability a Buggify site is on for the run, [0,1]",
		func(c *Config) string { return formatFloat(c.BuggifyP) },
		probSetter(func(c *Config) *float64 { return &c.BuggifyP })},
	{"buggify.q", "probability an enabled site fires when reached, [0,1]",
		func(c *Config) string { return formatFloat(c.BuggifyQ) },
		probSetter(func(c *Config) *float64 { return &c.BuggifyQ })},
	{"budget.steps", "step budget (> 0)",
		func(c *Config) string { return strconv.FormatUint(c.MaxSteps, 10) },
		func(c *Config, s string) error {
			v, err := strconv.ParseUint(s, 10, 64)
			if err != nil || v == 0 {
				return fmt.Errorf("want a positive integer")
			}
			c.MaxSteps = v
			return nil
		}},
	{"budget.time", "virtual-time budget (Go duration > 0)",
		func(c *Config) string { return c.MaxTime.String() },
		durSetter(func(c *Config) *time.Duration { return &c.MaxTime })},
	{"budget.wall", "wall-clock budget (Go duration > 0)",
		func(c *Config) string { return c.MaxWall.String() },
		durSetter(func(c *Config) *time.Duration { return &c.MaxWall })},
}

// Keys returns the names of the configuration keys, in print order.
func Keys() []string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.name
	}
	return names
}

// KeyDoc returns the one-line description of a key.
func KeyDoc(name string) string {
	if k := findKey(name); k != nil {
		return k.doc
	}
	return ""
}

func findKey(name string) *key {
	for i := range keys {
		if keys[i].name == name {
			return &keys[i]
		}
	}
	return nil
}

// Set pins one field by key, as -sim.set key=value does.
func (c *Config) Set(name, value string) error {
	k := findKey(name)
	if k == nil {
		return fmt.Errorf("unknown configuration key %q; known keys: %s", name, strings.Join(Keys(), ", "))
	}
	if err := k.set(c, value); err != nil {
		return fmt.Errorf("bad value %q for %s: %v", value, name, err)
	}
	return nil
}

// Get returns the printed value of a key.
func (c *Config) Get(name string) (string, bool) {
	k := findKey(name)
	if k == nil {
		return "", false
	}
	return k.get(c), true
}

// String prints the configuration as one block, a "key = value" line per
// field, in a fixed order.
func (c Config) String() string {
	var b strings.Builder
	width := 0
	for _, k := range keys {
		width = max(width, len(k.name))
	}
	for _, k := range keys {
		fmt.Fprintf(&b, "%-*s = %s\n", width, k.name, k.get(&c))
	}
	return b.String()
}

// Validate checks every invariant of the fields, so a bad configuration
// fails before any state exists.
func (c *Config) Validate() error {
	var errs []string
	if c.Strategy != StrategyRandom && c.Strategy != StrategyPCT {
		errs = append(errs, fmt.Sprintf("strategy %q is not random or pct", c.Strategy))
	}
	if c.PCTDepth < 1 || c.PCTSteps < 1 {
		errs = append(errs, "pct.depth and pct.steps must be >= 1")
	}
	if !isProb(c.BuggifyP) || !isProb(c.BuggifyQ) {
		errs = append(errs, "buggify.p and buggify.q must be in [0, 1]")
	}
	if c.MaxSteps == 0 || c.MaxTime <= 0 || c.MaxWall <= 0 {
		errs = append(errs, "budgets must be positive")
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

func intSetter(field func(*Config) *int, lo, hi int) func(*Config, string) error {
	return func(c *Config, s string) error {
		v, err := strconv.Atoi(s)
		if err != nil || v < lo || v > hi {
			return fmt.Errorf("want an integer in [%d, %d]", lo, hi)
		}
		*field(c) = v
		return nil
	}
}

func probSetter(field func(*Config) *float64) func(*Config, string) error {
	return func(c *Config, s string) error {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || !isProb(v) {
			return fmt.Errorf("want a probability in [0, 1]")
		}
		*field(c) = v
		return nil
	}
}

func durSetter(field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, s string) error {
		v, err := time.ParseDuration(s)
		if err != nil || v <= 0 {
			return fmt.Errorf("want a positive Go duration such as 90s")
		}
		*field(c) = v
		return nil
	}
}

func isProb(v float64) bool { return v >= 0 && v <= 1 }

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// quoteArg quotes a shell argument only when it needs it.
func quoteArg(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.=/:,+^$", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
