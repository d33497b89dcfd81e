package fault

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The table is sorted, its names unique and prefixed by the package that
// reaches the site, each rate a probability, and each doc says where the
// real system has the fault.
func TestSitesTable(t *testing.T) {
	sites := Sites()
	require.NotEmpty(t, sites)
	for i, s := range sites {
		if i > 0 {
			require.Less(t, sites[i-1].Name, s.Name, "sorted, no duplicates")
		}
		pkg, _, ok := strings.Cut(s.Name, "/")
		require.True(t, ok, s.Name)
		require.Contains(t, []string{"clock", "cluster", "collector", "eventservice"}, pkg, s.Name)
		require.True(t, s.Rate >= 0 && s.Rate <= 1, s.Name)
		require.Regexp(t, `TiCDC|TiKV|Go's`, s.Doc, s.Name)
		got, ok := Lookup(s.Name)
		require.True(t, ok)
		require.Equal(t, s, got)
	}
	_, ok := Lookup("no/such-site")
	require.False(t, ok)
}
