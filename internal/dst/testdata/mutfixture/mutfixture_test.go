// Package mutfixture is the workload package of dst mutate's end-to-end
// test: it checks testdata/mutfixture/model.
package mutfixture

import (
	"fmt"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/internal/dst/testdata/mutfixture/model"
	"github.com/cdcsim/cdcsim/sim"
)

// TestWrap fails at seed 13 when Wrap does not wrap at 13.
func TestWrap(t *testing.T) {
	sim.Test(t, func(w *sim.World) {
		w.Invariant("Wrap wraps at 13", 1, func() error {
			if got, want := model.Wrap(w.Seed()), w.Seed()%13; got != want {
				return fmt.Errorf("Wrap(%d) = %d, want %d", w.Seed(), got, want)
			}
			return nil
		})
		w.Sleep(time.Millisecond)
		_ = model.Last()
	}, sim.Seeds(20))
}

// TestQuiet checks nothing: a second workload to interleave with, which
// runs Ignored and drops its result.
func TestQuiet(t *testing.T) {
	sim.Test(t, func(w *sim.World) {
		w.Sleep(time.Millisecond)
		_ = model.Ignored(w.Seed())
	}, sim.Seeds(20))
}
