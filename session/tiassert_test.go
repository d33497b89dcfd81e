package session_test

import (
	"strings"
	"testing"

	"github.com/cdcsim/cdcsim/internal/tiassert"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/stretchr/testify/require"
)

// requireTiCDCPanic asserts the run ended in a panic that is one of
// TiCDC's own assertions (docs/ticdc-assertions.md) with message msg:
// not a model bug, not another panic that happens to contain the words.
func requireTiCDCPanic(t *testing.T, res *sim.Result, msg string) {
	t.Helper()
	requirePanic(t, res, msg)
	require.True(t, strings.HasPrefix(res.Failure.Message, tiassert.Prefix+msg+" ("), res.Failure.Message)
}

// TiCDC's handleSignalEvent only knows Ready and NotReusable: anything
// else reaching the signal path is asserted away.
func TestSignalPathRejectsADataEventAsTiCDCDoes(t *testing.T) {
	res := scenario(t, setup{}, func(h *harness) {
		h.stat.Run()
		h.stat.HandleSignalEvent(L, dml(0, 1, 110))
	})
	requireTiCDCPanic(t, res, "should not happen: unknown signal event type")
}
