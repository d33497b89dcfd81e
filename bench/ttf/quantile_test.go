package main

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestQuantile(t *testing.T) {
	inf := math.Inf(1)
	require.True(t, math.IsNaN(Quantile(nil, 0.5)))
	require.Equal(t, 3.0, Quantile([]float64{5, 1, 3}, 0.5), "odd count: the middle one")
	require.Equal(t, 2.5, Quantile([]float64{4, 1, 2, 3}, 0.5), "even count: between the middle two")
	require.Equal(t, 1.0, Quantile([]float64{4, 1, 2, 3}, 0))
	require.Equal(t, 4.0, Quantile([]float64{4, 1, 2, 3}, 1))
	require.Equal(t, 2.0, Quantile([]float64{inf, 1, 2}, 0.5), "one censored of three: the median is found")
	require.True(t, math.IsInf(Quantile([]float64{inf, 1, inf}, 0.5), 1), "two censored of three: > budget")
	require.True(t, math.IsInf(Quantile([]float64{inf, 1, 2, inf}, 0.5), 1), "half censored: the median reaches one")
}
