package knob

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type part struct {
	P float64
	D time.Duration
}

type whole struct {
	N    int
	U    uint64
	Part part
}

func testKeys() []Key[whole] {
	parts := []Key[part]{
		Prob("p", "a probability", func(p *part) *float64 { return &p.P }),
		Duration("d", "a duration, 0 is off", true, func(p *part) *time.Duration { return &p.D }),
	}
	ks := []Key[whole]{
		Int("n", "an int", 1, 10, func(w *whole) *int { return &w.N }),
		Uint64("u", "a count", func(w *whole) *uint64 { return &w.U }),
	}
	return append(ks, Lift(parts, func(w *whole) *part { return &w.Part })...)
}

// Lifted keys read and write the part inside the whole; the printed block
// pins back to the same value.
func TestLiftPrintAndPinBack(t *testing.T) {
	ks := testKeys()
	var w whole
	require.NoError(t, Set(ks, &w, "n", "7"))
	require.NoError(t, Set(ks, &w, "u", "42"))
	require.NoError(t, Set(ks, &w, "p", "0.25"))
	require.NoError(t, Set(ks, &w, "d", "90s"))
	require.Equal(t, whole{N: 7, U: 42, Part: part{P: 0.25, D: 90 * time.Second}}, w)
	require.Equal(t, "n = 7\nu = 42\np = 0.25\nd = 1m30s\n", Print(ks, &w))
	require.Equal(t, []string{"n", "u", "p", "d"}, Names(ks))
}

// Bad values and unknown keys are refused with a message that says what
// is wanted, and leave the configuration unchanged.
func TestBadValuesAreRefused(t *testing.T) {
	ks := testKeys()
	w := whole{N: 3}
	for _, c := range []struct{ key, value, want string }{
		{"n", "11", `bad value "11" for n: want an integer in [1, 10]`},
		{"n", "x", `bad value "x" for n: want an integer in [1, 10]`},
		{"u", "0", `bad value "0" for u: want a positive integer`},
		{"p", "-0.1", `bad value "-0.1" for p: want a probability in [0, 1]`},
		{"p", "NaN", `bad value "NaN" for p: want a probability in [0, 1]`},
		{"d", "-1s", `bad value "-1s" for d: want a Go duration such as 90s`},
		{"zzz", "1", `unknown configuration key "zzz"; known keys: n, u, p, d`},
	} {
		require.EqualError(t, Set(ks, &w, c.key, c.value), c.want)
	}
	require.Equal(t, whole{N: 3}, w)
	require.NoError(t, Set(ks, &w, "d", "0s"), "zero means off for this key")
	noZero := Duration("d", "", false, func(p *part) *time.Duration { return &p.D })
	require.ErrorContains(t, noZero.Set(&part{}, "0s"), "want a positive duration")
}
