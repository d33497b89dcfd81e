// Package subtle holds the cases that a check by name alone would get
// wrong. detcheck_test.go asserts the line of every violation.
package subtle

import (
	"maps"
	"math/rand"
	randv2 "math/rand/v2"
	"sync"
	tm "time"
)

func renamed() {
	_ = tm.Now()
	f := tm.Since
	_ = f
	_ = tm.Time.After
	_ = tm.Time{}.After(tm.Time{})
}

func v1(seed int64) int {
	r := rand.New(rand.NewSource(seed))
	return r.Intn(3) + rand.Intn(3)
}

func v2() int {
	return randv2.N(10)
}

type table struct {
	sync.RWMutex
	once *sync.Once
}

func primitives() {
	t := table{once: &sync.Once{}}
	wg := new(sync.WaitGroup)
	var c *sync.Cond
	_, _, _ = t, wg, c
}

func keys[M ~map[K]V, K comparable, V any](m M) int {
	n := 0
	for range m {
		n++
	}
	for k := range maps.Keys(m) {
		_ = k
	}
	for range 3 {
		n++
	}
	return n
}

var a, b = 1, 2

var ErrLate = lateError()

func lateError() error { return nil }

func poll(c chan int) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
