package stat

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCensoredQuantile(t *testing.T) {
	inf := math.Inf(1)
	require.True(t, math.IsNaN(CensoredQuantile(nil, 0.5)))
	require.Equal(t, 3.0, CensoredMedian([]float64{5, 1, 3}), "odd count: the middle one")
	require.Equal(t, 2.5, CensoredMedian([]float64{4, 1, 2, 3}), "even count: between the middle two")
	require.Equal(t, 1.0, CensoredQuantile([]float64{4, 1, 2, 3}, 0))
	require.Equal(t, 4.0, CensoredQuantile([]float64{4, 1, 2, 3}, 1))
	require.Equal(t, 1.75, CensoredQuantile([]float64{4, 1, 2, 3}, 0.25), "R-7: 1 + 0.75 x (2 - 1)")
	require.Equal(t, 2.0, CensoredMedian([]float64{inf, 1, 2}), "one censored of three: the median is found")
	require.True(t, math.IsInf(CensoredMedian([]float64{inf, 1, inf}), 1), "two censored of three: > budget")
	require.True(t, math.IsInf(CensoredMedian([]float64{inf, 1, 2, inf}), 1), "half censored: the median reaches one")
	require.True(t, math.IsInf(CensoredMedian([]float64{inf, inf}), 1), "all censored")
	in := []float64{inf, 1, 2}
	CensoredMedian(in)
	require.Equal(t, []float64{inf, 1, 2}, in, "the input is not modified")
}
