package sim

import (
	"math/rand/v2"
	"slices"
	"strings"
)

// site is the per-run state of one Buggify fault point.
type site struct {
	rate    float64
	reached uint64
	fired   uint64
	cover   string // the site's coverage point, "buggify/<site>"; also its stream's label
	hash    uint64 // fnv64 of the site's name, folded into the trace when it fires
	// rand is the site's stream, w.Rand(cover), looked up once: a site is
	// reached on hot paths, where building the label and finding it in
	// the world's map at every reach was half of a run's allocations.
	rand *rand.Rand
}

// Buggify reports whether the fault point named site fires now, in the
// style of FoundationDB's BUGGIFY. The site's rate for the run is
// Config.SiteRate: a site of package fault's table prints as
// "fault.NAME = rate" and can be pinned; any other name (tests of the
// kernel) is drawn the same way and only not printed. A site with a
// non-zero rate fires with that probability each time it is reached,
// drawn from the site's own stream, so that one site's draws never shift
// another's. Model code writes
//
//	if rt.Buggify(fault.DropEvent) { ... }
//
// and runs unchanged in real mode, where Buggify is always false.
func (w *World) Buggify(name string) bool {
	if w.healed {
		return false // faults end at the heal, Buggify's with the network's
	}
	s, ok := w.sites[name]
	if !ok {
		s = &site{rate: w.cfg.SiteRate(name), cover: "buggify/" + name, hash: fnv64(name)}
		w.sites[name] = s
	}
	s.reached++
	if s.rate == 0 {
		return false
	}
	if s.rand == nil {
		s.rand = w.Rand(s.cover)
	}
	w.HintFault(s.rate)
	if s.rand.Float64() >= s.rate {
		return false
	}
	s.fired++
	w.Cover(s.cover)
	w.tr.mix2(tagBuggify, s.hash)
	if w.tr.on() {
		w.emit(w.curNode, w.current, "buggify", []Field{{"site", name}}, "site=%s", name)
	}
	return true
}

// FaultsOn reports whether the run is before its heal, when fault sites
// may fire; a lasting fault ends once it is false.
func (w *World) FaultsOn() bool { return !w.healed }

// unitFloat maps a hash to [0, 1).
func unitFloat(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// BuggifySites returns the sites reached in this run, whether each is on,
// how often it was reached before the heal and how often it fired,
// sorted by name.
func (w *World) BuggifySites() []SiteStat {
	out := make([]SiteStat, 0, len(w.sites))
	for name, s := range w.sites { //dst:allow map-range: sorted below, reporting only
		out = append(out, SiteStat{Name: name, On: s.rate > 0, Rate: s.rate, Reached: s.reached, Fired: s.fired})
	}
	slices.SortFunc(out, func(a, b SiteStat) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// SiteStat reports one Buggify site after a run.
type SiteStat struct {
	Name    string
	On      bool
	Rate    float64
	Reached uint64
	Fired   uint64
}
