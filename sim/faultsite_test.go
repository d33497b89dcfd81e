package sim

import (
	"strconv"
	"strings"
	"testing"

	"github.com/cdcsim/cdcsim/fault"
	"github.com/stretchr/testify/require"
)

// Every site of package fault's table is a key of the configuration,
// printed in the block with the rate the seed draws for it.
func TestFaultSitesArePrinted(t *testing.T) {
	c := DeriveConfig(3)
	block := c.String()
	for _, info := range fault.Sites() {
		v, ok := c.Get("fault." + info.Name)
		require.True(t, ok, info.Name)
		require.Contains(t, block, "fault."+info.Name, info.Name)
		require.Equal(t, formatRate(c.SiteRate(info.Name)), v)
		require.NotEmpty(t, KeyDoc("fault."+info.Name))
	}
}

func formatRate(r float64) string { return strconv.FormatFloat(r, 'g', -1, 64) }

// A site pinned on fires every time at rate 1; pinned off, or under
// faults=none or buggify.p=0, it never fires; after the heal no site
// fires.
func TestFaultSitePinnedOnAndOff(t *testing.T) {
	site := fault.Sites()[0].Name
	fires := func(c Config, heal bool) (n int) {
		Run(c, func(w *World) {
			if heal {
				w.Heal()
			}
			for range 200 {
				if w.Buggify(site) {
					n++
				}
			}
		})
		return n
	}
	for seed := uint64(1); seed <= 20; seed++ {
		on := DeriveConfig(seed)
		require.NoError(t, Pins{"fault." + site + "=1"}.Apply(&on))
		require.Equal(t, 200, fires(on, false), "seed %d", seed)
		require.Zero(t, fires(on, true), "seed %d: fired after the heal", seed)
		for _, off := range []Pins{{"fault." + site + "=0"}, {"faults=none"}, {"buggify.p=0"}} {
			c := DeriveConfig(seed)
			require.NoError(t, Pins{"buggify.p=1", "fault." + site + "=1"}.Apply(&c))
			require.NoError(t, off.Apply(&c))
			require.Zero(t, fires(c, false), "seed %d, %v", seed, off)
			for _, info := range fault.Sites() {
				if off[0] != "faults=none" && off[0] != "buggify.p=0" {
					break
				}
				require.Zero(t, c.SiteRate(info.Name), "seed %d, %v: %s on", seed, off, info.Name)
			}
		}
	}
}

// A pin survives the print: the block of a configuration with pinned
// sites, pinned back in order, is the same configuration.
func TestFaultSitePinsRoundTrip(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		c := DeriveConfig(seed)
		require.NoError(t, Pins{"fault." + fault.DropEvent + "=0.5", "fault." + fault.TickerJitter + "=0"}.Apply(&c))
		var pins Pins
		for _, line := range strings.Split(strings.TrimSpace(c.String()), "\n") {
			k, v, _ := strings.Cut(line, "=")
			pins = append(pins, strings.TrimSpace(k)+"="+strings.TrimSpace(v))
		}
		back := DefaultConfig(0)
		require.NoError(t, pins.Apply(&back))
		require.Equal(t, c.String(), back.String(), "seed %d", seed)
		require.Equal(t, c, back, "seed %d", seed)
		require.Equal(t, 0.5, back.SiteRate(fault.DropEvent))
	}
}

// The swarm switches each site on for about buggify.p of the seeds that
// keep Buggify, decided per site: adding a site to the table moves no
// other site's decision, because the decision hashes the site's name.
func TestFaultSiteSwarmDraw(t *testing.T) {
	const seeds = 4000
	for _, info := range fault.Sites() {
		on := 0
		for s := uint64(1); s <= seeds; s++ {
			c := DeriveConfig(s)
			if r := c.SiteRate(info.Name); r > 0 {
				on++
				base := info.Rate
				if base == 0 {
					base = c.BuggifyQ
				}
				require.GreaterOrEqual(t, r, base/4*0.999, info.Name)
				require.LessOrEqual(t, r, min(base*4*1.001, 1), info.Name)
			}
		}
		require.InDelta(t, 0.125, float64(on)/seeds, 0.02, info.Name)
	}
	c := DeriveConfig(9)
	c.BuggifyP = 1
	require.Equal(t, c.BuggifyQ, c.SiteRate("not/in/the/table"))
}

// A bad pin is refused with what is wanted.
func TestFaultSiteBadPin(t *testing.T) {
	c := DefaultConfig(1)
	require.ErrorContains(t, c.Set("fault."+fault.DropEvent, "2"), "want a probability in [0, 1]")
	require.ErrorContains(t, c.Set("fault.no/such-site", "1"), "unknown configuration key")
}
