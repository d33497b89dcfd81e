package sim

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/cdcsim/cdcsim/fault"
	"github.com/cdcsim/cdcsim/knob"
)

// This file is the configuration of the Buggify fault sites: how a run's
// rate for each site is drawn from the seed, and the "fault.NAME" keys
// that print and pin it (package fault holds the table of sites).

// sitePin is a rate pinned for one site with -sim.set fault.NAME=rate.
type sitePin struct {
	name string
	rate float64
}

// SiteRate returns the rate at which site name fires each time it is
// reached in this run (0: off). A pinned rate wins; otherwise the site is
// on with probability BuggifyP, decided from a hash of the seed and the
// name alone (so adding a site moves no other site's decision). A site of
// package fault's table then fires at its rate there (or BuggifyQ) times
// a factor drawn log-uniformly in [1/4, 4] from another hash of the seed
// and the name, at most 1, so that the swarm varies how hard each site
// hits as well as whether; any other name fires at BuggifyQ.
func (c *Config) SiteRate(name string) float64 {
	for _, p := range c.sitePins {
		if p.name == name {
			return p.rate
		}
	}
	if c.BuggifyP == 0 || unitFloat(splitmix64(c.Seed^fnv64("buggify:"+name))) >= c.BuggifyP {
		return 0
	}
	info, ok := fault.Lookup(name)
	if !ok {
		return c.BuggifyQ
	}
	base := cmp.Or(info.Rate, c.BuggifyQ)
	u := unitFloat(splitmix64(c.Seed ^ fnv64("buggify-rate:"+name)))
	r := base * math.Pow(4, 2*u-1)
	// Rounded to four significant digits, so that the printed rate is the
	// rate: a pinned-back block reproduces the run exactly.
	r, _ = strconv.ParseFloat(strconv.FormatFloat(r, 'g', 4, 64), 64)
	return min(r, 1)
}

// PinSite pins the rate of a site, as -sim.set fault.NAME=rate does. A
// pin equal to the seed's draw is no pin, so that a printed block pinned
// back gives an equal Config, not only an equal print.
func (c *Config) PinSite(name string, rate float64) {
	pins := slices.DeleteFunc(slices.Clone(c.sitePins), func(p sitePin) bool { return p.name == name })
	c.sitePins = pins // a new array: a copied Config never sees the change
	if c.SiteRate(name) != rate {
		i, _ := slices.BinarySearchFunc(pins, name, func(p sitePin, n string) int { return strings.Compare(p.name, n) })
		c.sitePins = slices.Insert(pins, i, sitePin{name, rate}) // sorted, so equal pins make equal Configs
	}
}

// clearSitePins returns every site to the seed's draw: buggify.p,
// buggify.q and faults set the draw, so a pin made before them is void.
func (c *Config) clearSitePins() { c.sitePins = nil }

// buggifyKeys are buggify.p, buggify.q and one key per fault site, in
// print order: the draw's parameters first, so that a printed block
// pinned back in order ends with every site's printed rate.
func buggifyKeys() []knob.Key[Config] {
	ks := []knob.Key[Config]{
		drawKey("buggify.p", "probability a fault site is on for the run (0: every site off)", func(c *Config) *float64 { return &c.BuggifyP }),
		drawKey("buggify.q", "rate of an enabled fault site that has no rate of its own", func(c *Config) *float64 { return &c.BuggifyQ }),
	}
	for _, info := range fault.Sites() {
		ks = append(ks, knob.Key[Config]{
			Name: "fault." + info.Name,
			Doc:  "rate at which the site fires when reached (0: off): " + info.Doc,
			Get:  func(c *Config) string { return knob.FormatFloat(c.SiteRate(info.Name)) },
			Set: func(c *Config, s string) error {
				v, err := strconv.ParseFloat(s, 64)
				if err != nil || !(v >= 0 && v <= 1) {
					return fmt.Errorf("want a probability in [0, 1]")
				}
				c.PinSite(info.Name, v)
				return nil
			},
		})
	}
	return ks
}

// drawKey is a probability key that re-draws every site's rate from the
// seed when set.
func drawKey(name, doc string, field func(*Config) *float64) knob.Key[Config] {
	k := knob.Prob(name, doc, field)
	set := k.Set
	k.Set = func(c *Config, s string) error {
		if err := set(c, s); err != nil {
			return err
		}
		c.clearSitePins()
		return nil
	}
	return k
}
