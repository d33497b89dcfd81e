// Package stat holds the statistics the benchmarks report: medians and
// quantiles of times to find a bug, where an attempt that found nothing
// within its budget is censored (+Inf).
//
// The quantiles are golang.org/x/exp/stats's (Hyndman and Fan's R-7,
// linear interpolation between the closest ranks). This package only
// adds censoring, which x/exp/stats does not handle: interpolating
// towards +Inf there gives NaN (0 x (Inf - Inf)) where a time to find
// must read "more than the budget".
package stat
