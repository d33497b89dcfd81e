package tiassert

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A failed assertion panics with TiCDC's message first, then the site it
// mirrors, then the model's values: the order a reader of a failed run
// needs them in.
func TestFailfNamesTiCDCMessageSiteAndValues(t *testing.T) {
	var got string
	func() {
		defer func() { got = recover().(string) }()
		Failf("logservice/eventstore/event_store.go:GetIterator",
			"event store: scan start ts below subscription checkpoint", "startTs %d, checkpointTs %d", 5, 7)
	}()
	require.True(t, strings.HasPrefix(got, Prefix), got)
	require.Equal(t, "TiCDC assertion: event store: scan start ts below subscription checkpoint "+
		"(logservice/eventstore/event_store.go:GetIterator): startTs 5, checkpointTs 7", got)
}
