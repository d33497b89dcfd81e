// Package bad plants exactly one violation of each rule, each beside
// look-alikes that are allowed. detcheck_test.go asserts the line of every
// violation: keep the two in step when editing.
package bad

import (
	crand "crypto/rand"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

var counter int

var errClosed = errors.New("closed")

var _ = errClosed

type guarded struct {
	mu   sync.Mutex
	hits atomic.Int64
	wait time.Duration
}

func spawn(f func()) {
	go f()
}

func now() time.Duration {
	d := 3 * time.Second
	return d + time.Duration(time.Now().UnixNano())
}

func draw(r *rand.Rand) int {
	_ = rand.New(rand.NewPCG(1, 2))
	return r.IntN(10) + rand.IntN(10)
}

func token() []byte {
	b := make([]byte, 8)
	_, _ = crand.Read(b)
	return b
}

func either(a, b chan int) int {
	select {
	case <-a:
	}
	select {
	case v := <-a:
		return v
	case v := <-b:
		return v
	}
}

func sum(m map[string]int, keys []string) int {
	n := 0
	for k := range m { //dst:allow map-range: addition is order-independent
		n += m[k]
	}
	for _, k := range keys {
		n += m[k]
	}
	for _, v := range m {
		n += v
	}
	return n
}

func count(g *guarded) int64 {
	//dst:allow select
	g.hits.Add(1)
	// dst:allow wallclock: misspelled, so it is rejected
	return g.hits.Load()
}
