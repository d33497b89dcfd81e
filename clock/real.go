//dst:file-allow go-statement,wall-clock,sync-primitive,select: the real runtime runs on goroutines and the wall clock
package clock

import (
	"hash/maphash"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"
)

// Real is the runtime on goroutines and the wall clock: the baseline that
// simulation is measured against, and the proof that model code does not
// depend on the simulator. Its choices are random, not seeded, and its
// Buggify never fires.
type Real struct {
	start time.Time
	mu    sync.Mutex // the big lock of Parker
	tasks sync.WaitGroup
	rmu   sync.Mutex // guards r
	r     *rand.Rand
}

// NewReal returns a real runtime whose clock starts now.
func NewReal() *Real {
	var seed [2]uint64
	seed[0] = new(maphash.Hash).Sum64() // a random seed without importing crypto/rand
	seed[1] = uint64(time.Now().UnixNano())
	return &Real{start: time.Now(), r: rand.New(rand.NewPCG(seed[0], seed[1]))}
}

// Now returns the wall time elapsed since NewReal.
func (r *Real) Now() Time { return Time(time.Since(r.start)) }

// Sleep sleeps for d of wall time.
func (r *Real) Sleep(d time.Duration) {
	if d <= 0 {
		runtime.Gosched()
		return
	}
	time.Sleep(d)
}

// Schedule runs f after d on a timer goroutine.
func (r *Real) Schedule(d time.Duration, f func()) Timer {
	return realTimer{time.AfterFunc(d, f)}
}

type realTimer struct{ t *time.Timer }

func (t realTimer) Stop() bool                 { return t.t.Stop() }
func (t realTimer) Reset(d time.Duration) bool { return t.t.Reset(d) }

// Go starts f on a goroutine. Wait waits for every such goroutine.
func (r *Real) Go(name string, f func()) {
	r.tasks.Add(1)
	go func() {
		defer r.tasks.Done()
		f()
	}()
}

// Wait blocks until every task started with Go has returned.
func (r *Real) Wait() { r.tasks.Wait() }

// Yield calls runtime.Gosched.
func (r *Real) Yield() { runtime.Gosched() }

// Rand returns a new, randomly seeded stream; label is ignored.
func (r *Real) Rand(label string) *rand.Rand {
	r.rmu.Lock()
	defer r.rmu.Unlock()
	return rand.New(rand.NewPCG(r.r.Uint64(), r.r.Uint64()))
}

// Choose returns a random number in [0, n).
func (r *Real) Choose(n int) int {
	r.rmu.Lock()
	defer r.rmu.Unlock()
	return r.r.IntN(n)
}

// Buggify never fires in real mode.
func (r *Real) Buggify(site string) bool { return false }

// Enter takes the big lock.
func (r *Real) Enter() { r.mu.Lock() }

// Exit releases the big lock.
func (r *Real) Exit() { r.mu.Unlock() }

// Self returns a fresh wake-up channel for one Park.
func (r *Real) Self() Handle { return make(chan struct{}, 1) }

// Park releases the big lock, waits for Unpark(h), and takes the lock
// again.
func (r *Real) Park(h Handle, why string) {
	c := h.(chan struct{})
	r.mu.Unlock()
	<-c
	r.mu.Lock()
}

// Unpark wakes h; it reports false if h was already woken.
func (r *Real) Unpark(h Handle) bool {
	select {
	case h.(chan struct{}) <- struct{}{}:
		return true
	default:
		return false
	}
}
