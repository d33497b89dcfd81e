// Package variant names the model's deviations from HEAD behaviour
// (DESIGN.md, "The model"). A bug re-introduces a historical bug, so the
// simulator can prove it still finds it (the canaries); a patch fixes an
// open hazard of PROTOCOL.md 6.3. All are off by default and selected by
// name: -sim.bug=NAME and -sim.patch=NAME on a simulated test.
// FuzzParse (fuzz_test.go, make fuzz) checks that Parse accepts known
// names only and that a Set's names, joined back, parse to it.
package variant

import (
	"fmt"
	"slices"
	"strings"
)

// Info describes one variant.
type Info struct {
	Name string
	Doc  string
}

// Bugs lists the bug variants: the four review findings on PR #5175
// (PROTOCOL.md 6.1).
func Bugs() []Info {
	return []Info{
		{"f1-retry-unlocked", "F1: the Removed check runs outside requestMu; the retry re-reads current, panics if empty, else registers to whatever it read"},
		{"f2-retry-removed", "F2: the retry reports success without checking removed; the begin step does not refuse a removed session"},
		{"f3-callback-kept", "F3: the one-shot readyCallback is invoked but left set, so a later local Ready sends no RESET"},
		{"f4-probe-during-merge", "F4: merged dispatchers also ask the coordinator, so remote probing can race the two-phase add into a panic"},
	}
}

// Patches lists the patch variants for the open hazards (PROTOCOL.md 6.3).
func Patches() []Info {
	return []Info{
		{"h1", "H1: ignore a Removed response for a registration already in progress, so T8 never sends a duplicate REGISTER"},
		{"h3", "H3: an event service whose schema-store registration fails keeps the record and retries RegisterTable before any Ready, instead of dropping it silently (NotReusable from L would panic the collector, T5)"},
		{"h4", "H4: clear readyCallback in commitLocalRegistration, not on first use, so a re-registration before the commit sends no RESET"},
		{"h5", "H5: answer a Ready from a remote that is neither current nor pending with a REMOVE (as T4 does while L is current), so a REGISTER applied after its answer was taken leaves no record on that remote"},
	}
}

// Set is the variants a run has on. The zero Set is HEAD behaviour.
type Set struct {
	bugs, patches []string // sorted, no duplicates
}

// Bug reports whether bug name is on.
func (s Set) Bug(name string) bool { return slices.Contains(s.bugs, name) }

// Patch reports whether patch name is on.
func (s Set) Patch(name string) bool { return slices.Contains(s.patches, name) }

// BugNames and PatchNames return what is on, sorted.
func (s Set) BugNames() []string   { return slices.Clone(s.bugs) }
func (s Set) PatchNames() []string { return slices.Clone(s.patches) }

// Parse builds a set from comma-separated lists of names, refusing an
// unknown name with the list of known ones.
func Parse(bugs, patches string) (Set, error) {
	var s Set
	var err error
	if s.bugs, err = parseList(bugs, Bugs(), "bug"); err != nil {
		return Set{}, err
	}
	if s.patches, err = parseList(patches, Patches(), "patch"); err != nil {
		return Set{}, err
	}
	return s, nil
}

func parseList(list string, known []Info, what string) ([]string, error) {
	var out []string
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !slices.ContainsFunc(known, func(i Info) bool { return i.Name == name }) {
			names := make([]string, len(known))
			for i, k := range known {
				names[i] = k.Name
			}
			return nil, fmt.Errorf("unknown %s variant %q; known: %s", what, name, strings.Join(names, ", "))
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}

// String prints the set as "bugs=a,b patches=c", or "head".
func (s Set) String() string {
	if len(s.bugs) == 0 && len(s.patches) == 0 {
		return "head"
	}
	return fmt.Sprintf("bugs=%s patches=%s", strings.Join(s.bugs, ","), strings.Join(s.patches, ","))
}
