package variant

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// FuzzParse parses arbitrary -sim.bug and -sim.patch lists. A bad list
// is an error, never a panic, and gives the zero Set; an accepted one
// holds known names only, sorted and without duplicates (the Set's
// invariant), and its names joined back parse to an equal Set.
func FuzzParse(f *testing.F) {
	f.Add("f1-retry-unlocked", "h3")
	f.Add("", "h1,h3,h4")
	f.Add(" f3-callback-kept , f2-retry-removed,f3-callback-kept", ",,h4,")
	f.Add("h3", "f1-retry-unlocked")
	f.Add("F1-RETRY-UNLOCKED", "")
	f.Fuzz(func(t *testing.T, bugs, patches string) {
		s, err := Parse(bugs, patches)
		if err != nil {
			if !reflect.DeepEqual(s, Set{}) {
				t.Fatalf("refused %q %q but returned %v", bugs, patches, s)
			}
			return
		}
		for _, l := range []struct {
			names []string
			known []Info
		}{{s.BugNames(), Bugs()}, {s.PatchNames(), Patches()}} {
			if !slices.IsSorted(l.names) || len(slices.Compact(slices.Clone(l.names))) != len(l.names) {
				t.Fatalf("names %q are not sorted and unique", l.names)
			}
			for _, n := range l.names {
				if !slices.ContainsFunc(l.known, func(i Info) bool { return i.Name == n }) {
					t.Fatalf("accepted unknown name %q", n)
				}
			}
		}
		back, err := Parse(strings.Join(s.BugNames(), ","), strings.Join(s.PatchNames(), ","))
		if err != nil || !reflect.DeepEqual(back, s) {
			t.Fatalf("%v printed back parses as %v (%v)", s, back, err)
		}
	})
}
