package dst

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/cdcsim/cdcsim/eventservice"
	"github.com/cdcsim/cdcsim/session"
)

// CoverageStats sums a sweep's coverage and Sometimes outcomes over its
// records: for each point, how many seeds reached it and how often; for
// each Sometimes, how many seeds asked it and how many reached it.
type CoverageStats struct {
	Points    map[string]*PointStats     `json:"points"`
	Sometimes map[string]*SometimesStats `json:"sometimes"`
	// Seeds counts the records that carried coverage (a line of the
	// results format before version 2 carries none).
	Seeds int `json:"seeds"`
}

// PointStats is one coverage point over a sweep.
type PointStats struct {
	Seeds int    `json:"seeds"`
	Hits  uint64 `json:"hits"`
}

// SometimesStats is one Sometimes over a sweep.
type SometimesStats struct {
	Asked   int `json:"asked"`
	Reached int `json:"reached"`
}

func newCoverageStats() *CoverageStats {
	return &CoverageStats{Points: map[string]*PointStats{}, Sometimes: map[string]*SometimesStats{}}
}

// Add counts one record's coverage and Sometimes.
func (c *CoverageStats) Add(r *Record) {
	if len(r.Cover) > 0 || len(r.Sometimes) > 0 {
		c.Seeds++
	}
	for p, n := range r.Cover {
		ps := c.Points[p]
		if ps == nil {
			ps = &PointStats{}
			c.Points[p] = ps
		}
		ps.Seeds++
		ps.Hits += n
	}
	for name, ok := range r.Sometimes {
		ss := c.Sometimes[name]
		if ss == nil {
			ss = &SometimesStats{}
			c.Sometimes[name] = ss
		}
		ss.Asked++
		if ok {
			ss.Reached++
		}
	}
}

// KnownPoints is the registry of coverage points the model declares:
// every (state, transition) of the session and every row of the event
// service. The network's, the collector's and Buggify's points are
// counted when reached but not declared.
func KnownPoints() []string {
	return append(session.CoverPoints(), eventservice.CoverPoints()...)
}

// rarest bounds the rare points the summary lists.
const rarest = 10

// Print writes the coverage summary: points reached, per declared
// family how many of its known points, the rarest points reached, and
// every Sometimes that no seed reached.
func (c *CoverageStats) Print(out io.Writer) {
	if c.Seeds == 0 {
		return
	}
	fmt.Fprintf(out, "\ncoverage: %d points reached over %d seeds\n", len(c.Points), c.Seeds)
	for _, fam := range []struct {
		name   string
		points []string
	}{{"session (state x T1-T10)", session.CoverPoints()}, {"eventservice (3.3 rows)", eventservice.CoverPoints()}} {
		var missed []string
		for _, p := range fam.points {
			if c.Points[p] == nil {
				missed = append(missed, strings.TrimPrefix(p, strings.SplitN(p, "/", 2)[0]+"/"))
			}
		}
		fmt.Fprintf(out, "  %s: %d of %d known points reached", fam.name, len(fam.points)-len(missed), len(fam.points))
		if len(missed) > 0 && len(missed) <= 30 {
			fmt.Fprintf(out, "; never: %s", strings.Join(missed, " "))
		}
		fmt.Fprintln(out)
	}
	names := slices.Sorted(maps.Keys(c.Points))
	slices.SortStableFunc(names, func(a, b string) int { return cmp.Compare(c.Points[a].Seeds, c.Points[b].Seeds) })
	fmt.Fprintf(out, "  rarest:")
	for _, p := range names[:min(rarest, len(names))] {
		fmt.Fprintf(out, " %s (%d seeds)", p, c.Points[p].Seeds)
	}
	fmt.Fprintln(out)
	for _, name := range slices.Sorted(maps.Keys(c.Sometimes)) {
		if s := c.Sometimes[name]; s.Reached == 0 {
			fmt.Fprintf(out, "sometimes never reached: %q (asked by %d seeds)\n", name, s.Asked)
		}
	}
}

// Never returns the Sometimes that no seed reached, sorted.
func (c *CoverageStats) Never() []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(c.Sometimes)) {
		if c.Sometimes[name].Reached == 0 {
			out = append(out, name)
		}
	}
	return out
}
