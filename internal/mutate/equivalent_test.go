package mutate

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The checked-in equivalence file parses, and every entry still names
// something: an ID of a mutant the generator makes today, or a place
// with mutants. An entry whose code changed would otherwise keep a
// reason nobody checked again.
func TestCheckedInEquivalentFileIsCurrent(t *testing.T) {
	eq, err := ReadEquivalent("equivalent.txt", false)
	require.NoError(t, err)
	var pkgs []Package
	for _, p := range []string{"session", "collector", "eventservice", "coordinator", "cluster"} {
		pkgs = append(pkgs, Package{Dir: "../../" + p, Path: p})
	}
	ms, err := Generate(pkgs, nil)
	require.NoError(t, err)
	ids := map[string]bool{}
	for _, m := range ms {
		ids[m.ID] = true
	}
	for id := range eq.IDs {
		require.True(t, ids[id], "equivalent.txt lists %s, which the generator no longer makes: judge its successor again", id)
	}
	for _, p := range eq.Places {
		n := 0
		for _, m := range ms {
			if MatchPlace(p.Pattern, m.File+":"+m.Func) {
				n++
			}
		}
		require.NotZero(t, n, "equivalent.txt's place %s matches no mutant", p.Pattern)
	}
}
