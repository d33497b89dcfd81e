package main

import (
	"math"
	"slices"
)

// Quantile returns the q-quantile of xs (0 <= q <= 1) by linear
// interpolation between the closest ranks (R's type 7, the common
// default), NaN for no values. +Inf values (censored attempts) sort last
// and make a quantile that reaches them +Inf. golang.org/x/exp has no
// stats package to take this from, so it is here, with its test.
func Quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	h := q * float64(len(s)-1)
	lo := int(math.Floor(h))
	hi := min(lo+1, len(s)-1)
	frac := h - float64(lo)
	switch {
	case frac == 0:
		return s[lo]
	case math.IsInf(s[hi], 1):
		return math.Inf(1)
	}
	return s[lo] + frac*(s[hi]-s[lo])
}
