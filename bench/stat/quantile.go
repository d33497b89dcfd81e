package stat

import (
	"math"
	"slices"

	"golang.org/x/exp/stats"
)

// CensoredQuantile returns the q-quantile of xs (0 <= q <= 1) by
// x/exp/stats's R-7 method, treating +Inf values (censored attempts) as
// larger than every finite one: a quantile that reaches a censored
// attempt, even partly by interpolation, is +Inf. No values give NaN.
func CensoredQuantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	finite := math.Inf(-1)
	for _, x := range xs {
		if !math.IsInf(x, 1) {
			finite = max(finite, x)
		}
	}
	// A finite stand-in above every value keeps the interpolation
	// finite; any result above the largest finite value reached a
	// censored one.
	standIn := math.MaxFloat64 / 4
	v := slices.Clone(xs)
	for i, x := range v {
		if math.IsInf(x, 1) {
			v[i] = standIn
		}
	}
	r := stats.Quantiles(v, q)[0]
	if r > finite {
		return math.Inf(1)
	}
	return r
}

// CensoredMedian is CensoredQuantile(xs, 0.5).
func CensoredMedian(xs []float64) float64 { return CensoredQuantile(xs, 0.5) }
