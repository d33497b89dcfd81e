package sim

import (
	"slices"
	"strings"
)

// site is the per-run state of one Buggify fault point.
type site struct {
	on    bool
	fired uint64
	cover string // the site's coverage point, "buggify/<site>"
}

// Buggify reports whether the fault point named site fires now, in the
// style of FoundationDB's BUGGIFY. The first time a site is reached in a
// run, it is switched on with probability BuggifyP; the decision is a hash
// of the seed and the site's name, so it does not depend on which site is
// reached first. An enabled site then fires with probability BuggifyQ
// each time it is reached. Model code writes
//
//	if rt.Buggify("eventservice/register-table-fails") { ... }
//
// and runs unchanged in real mode, where Buggify is always false.
func (w *World) Buggify(name string) bool {
	if w.cfg.BuggifyP == 0 || w.healed {
		return false // faults end at the heal, Buggify's with the network's
	}
	s, ok := w.sites[name]
	if !ok {
		s = &site{on: unitFloat(splitmix64(w.cfg.Seed^fnv64("buggify:"+name))) < w.cfg.BuggifyP, cover: "buggify/" + name}
		w.sites[name] = s
	}
	if !s.on || w.buggifyRand.Float64() >= w.cfg.BuggifyQ {
		return false
	}
	s.fired++
	w.Cover(s.cover)
	w.tr.mix2(tagBuggify, fnv64(name))
	if w.tr.out != nil {
		w.traceLine("buggify", "site=%s", name)
	}
	return true
}

// unitFloat maps a hash to [0, 1).
func unitFloat(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// BuggifySites returns the sites reached in this run, whether each is on,
// and how often it fired, sorted by name.
func (w *World) BuggifySites() []SiteStat {
	out := make([]SiteStat, 0, len(w.sites))
	for name, s := range w.sites { //dst:allow map-range: sorted below, reporting only
		out = append(out, SiteStat{Name: name, On: s.on, Fired: s.fired})
	}
	slices.SortFunc(out, func(a, b SiteStat) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// SiteStat reports one Buggify site after a run.
type SiteStat struct {
	Name  string
	On    bool
	Fired uint64
}
