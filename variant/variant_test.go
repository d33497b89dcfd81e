package variant

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	s, err := Parse("f3-callback-kept, f1-retry-unlocked,f1-retry-unlocked", "h4")
	require.NoError(t, err)
	require.True(t, s.Bug("f1-retry-unlocked"))
	require.True(t, s.Bug("f3-callback-kept"))
	require.False(t, s.Bug("f2-retry-removed"))
	require.True(t, s.Patch("h4"))
	require.Equal(t, []string{"f1-retry-unlocked", "f3-callback-kept"}, s.BugNames())
	require.Equal(t, "bugs=f1-retry-unlocked,f3-callback-kept patches=h4", s.String())

	var head Set
	require.Equal(t, "head", head.String())
	require.False(t, head.Bug("f1-retry-unlocked"))
}

// An unknown name is refused with the list of known ones.
func TestParseRejectsUnknownNames(t *testing.T) {
	_, err := Parse("f9-nope", "")
	require.EqualError(t, err, `unknown bug variant "f9-nope"; known: f1-retry-unlocked, f2-retry-removed, f3-callback-kept, f4-probe-during-merge`)
	_, err = Parse("", "h2")
	require.EqualError(t, err, `unknown patch variant "h2"; known: h1, h3, h4, h5`)
}
