package network

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// Dist is a distribution of durations: message latencies, delay spikes,
// partition and clog lengths. It prints as, and parses from, one of
//
//	fixed(5ms)
//	uniform(1ms,10ms)
//	longtail(2ms,500ms)   median 2ms, log-normal (sigma 1), capped at 500ms
//
// so a configuration block can show it and -sim.set can pin it.
type Dist struct {
	Kind DistKind
	A, B time.Duration // fixed: A; uniform: [A, B]; longtail: median A, cap B
}

// DistKind names a distribution's shape.
type DistKind string

const (
	DistFixed    DistKind = "fixed"
	DistUniform  DistKind = "uniform"
	DistLongTail DistKind = "longtail"
)

// Fixed returns the distribution that is always d.
func Fixed(d time.Duration) Dist { return Dist{Kind: DistFixed, A: d} }

// Uniform returns the uniform distribution on [lo, hi].
func Uniform(lo, hi time.Duration) Dist { return Dist{Kind: DistUniform, A: lo, B: hi} }

// LongTail returns a log-normal distribution with the given median,
// capped: most samples sit near the median, a few are many times it.
func LongTail(median, cap time.Duration) Dist {
	return Dist{Kind: DistLongTail, A: median, B: cap}
}

// Sample draws one duration.
func (d Dist) Sample(r *rand.Rand) time.Duration {
	switch d.Kind {
	case DistUniform:
		if d.B <= d.A {
			return d.A
		}
		return d.A + time.Duration(r.Int64N(int64(d.B-d.A)+1))
	case DistLongTail:
		// Capped in float64, before the conversion: a median near the
		// largest Duration times a draw above 1 does not fit an int64,
		// and the conversion wrapped to a negative latency
		// (FuzzParseDist found it). Below 2^53 ns (104 days) the cap is
		// exact in float64, so every realistic sample is what it was.
		v := float64(d.A) * math.Exp(r.NormFloat64())
		if v >= float64(d.B) {
			return d.B
		}
		return time.Duration(v)
	default:
		return d.A
	}
}

func (d Dist) String() string {
	switch d.Kind {
	case DistUniform, DistLongTail:
		return fmt.Sprintf("%s(%s,%s)", d.Kind, d.A, d.B)
	default:
		return fmt.Sprintf("%s(%s)", DistFixed, d.A)
	}
}

// ParseDist parses the printed form of a distribution.
func ParseDist(s string) (Dist, error) {
	bad := fmt.Errorf("want fixed(D), uniform(LO,HI) or longtail(MEDIAN,CAP) with Go durations, LO <= HI")
	kind, rest, ok := strings.Cut(strings.TrimSpace(s), "(")
	if !ok || !strings.HasSuffix(rest, ")") {
		return Dist{}, bad
	}
	args := strings.Split(strings.TrimSuffix(rest, ")"), ",")
	var ds []time.Duration
	for _, a := range args {
		v, err := time.ParseDuration(strings.TrimSpace(a))
		if err != nil || v < 0 {
			return Dist{}, bad
		}
		ds = append(ds, v)
	}
	switch {
	case DistKind(kind) == DistFixed && len(ds) == 1:
		return Fixed(ds[0]), nil
	case DistKind(kind) == DistUniform && len(ds) == 2 && ds[0] <= ds[1]:
		return Uniform(ds[0], ds[1]), nil
	case DistKind(kind) == DistLongTail && len(ds) == 2 && ds[0] <= ds[1]:
		return LongTail(ds[0], ds[1]), nil
	}
	return Dist{}, bad
}
