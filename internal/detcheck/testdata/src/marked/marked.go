// Package marked is inside the simulator, by the directive below: every
// rule is broken once here, beside look-alikes that are allowed, and
// each allow comment form is used. The analyzer test checks the want
// comments.
//
//dst:simulated
package marked

import (
	crand "crypto/rand" // want `crypto-rand: crypto/rand is unreproducible`
	"errors"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

var counter int // want `package-state: package-level var counter`

var errClosed = errors.New("closed")

var _ = errClosed

//dst:allow package-state: a read-only table, reviewed
var table = []int{1, 2}

type guarded struct {
	mu   sync.Mutex // want `sync-primitive: sync.Mutex blocks`
	hits atomic.Int64
	wait time.Duration
}

func spawn(f func()) {
	go f() // want `go-statement: go statement starts a goroutine`
}

func now() time.Duration {
	d := 3 * time.Second
	return d + time.Duration(time.Now().UnixNano()) // want `wall-clock: time.Now uses the wall clock`
}

func draw(r *rand.Rand) int {
	_ = rand.New(rand.NewPCG(1, 2))
	return r.IntN(10) + rand.IntN(10) // want `global-rand: rand.IntN draws from the process-wide source`
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
	select { // want `select: select with 2 cases`
	case v := <-a:
		return v
	case v := <-b:
		return v
	}
}

func sum(m map[string]int) int {
	n := 0
	for k := range m { //dst:allow map-range: addition is order-independent
		n += m[k]
	}
	//dst:allow map-range: a stand-alone allow covers the line below
	for _, v := range m {
		n += v
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		n += m[k]
	}
	for _, v := range m { // want `map-range: range over map\[string\]int visits keys in random order`
		n += v
	}
	for k := range maps.Keys(m) { // want `map-range: range over maps.Keys`
		n += m[k]
	}
	return n + counter + table[0]
}

func count(g *guarded) int64 {
	// want +1 `allow-without-reason: dst:allow needs a reason`
	//dst:allow select
	g.hits.Add(1)
	// want +1 `allow-unknown-rule: dst:allow names wallclock, which is not a rule`
	// dst:allow wallclock: misspelled, so it is rejected
	// want +1 `allow-unknown-rule`
	//dst:allow typecheck: cannot be allowed
	go g.hits.Add(1) // want `go-statement`
	return g.hits.Load()
}
