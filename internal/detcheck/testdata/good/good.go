// Package good follows every rule; detcheck must report nothing here.
package good

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"time"
)

// Sentinel errors and interface assertions are the package-level vars
// that are not state.
var (
	ErrClosed = errors.New("closed")
	errFull   = fmt.Errorf("full: %w", ErrClosed)
)

var _ fmt.Stringer = span{}

type span struct {
	start, end time.Duration
	hits       atomic.Int64
}

func (s span) String() string { return fmt.Sprint(s.end - s.start) }

// Methods named like banned functions are fine: t.After is not time.After.
func later(t, u time.Time) bool { return t.After(u) }

func stream(seed uint64) *rand.Rand {
	r := rand.New(rand.NewPCG(seed, 1))
	var src rand.Source = rand.NewPCG(seed, 2)
	_ = src
	return r
}

func wait(c chan int) int {
	select {
	case v := <-c:
		return v
	}
}

func sorted(m map[string]int) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, k)
	}
	//dst:allow map-range: only counts entries
	for range m {
		_ = errFull
	}
	return out
}
