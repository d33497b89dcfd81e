//dst:file-allow go-statement,wall-clock,sync-primitive,select: the real runtime runs on goroutines and the wall clock
package clock

import (
	"hash/maphash"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Real is the runtime on goroutines and the wall clock: the baseline that
// simulation is measured against, and the proof that model code does not
// depend on the simulator. Its choices are random, not seeded, and its
// Buggify never fires.
type Real struct {
	start time.Time
	mu    sync.Mutex // the big lock of Parker
	rmu   sync.Mutex // guards r
	r     *rand.Rand

	// done is closed by Stop; stopped is set just before, for a cheap
	// check.
	done    chan struct{}
	stopped atomic.Bool
	// tmu guards running and the decision to start a task or a callback
	// against Stop; idle is signalled when running drops to 0.
	tmu     sync.Mutex
	idle    sync.Cond
	running int // tasks started with Go and Schedule callbacks still running

	// onPanic, if set by OnPanic, receives the panics of tasks and
	// callbacks instead of the process crashing.
	onPanic atomic.Pointer[func(p any, stack []byte)]
}

// NewReal returns a real runtime whose clock starts now.
func NewReal() *Real {
	var seed [2]uint64
	seed[0] = new(maphash.Hash).Sum64() // a random seed without importing crypto/rand
	seed[1] = uint64(time.Now().UnixNano())
	r := &Real{start: time.Now(), r: rand.New(rand.NewPCG(seed[0], seed[1])), done: make(chan struct{})}
	r.idle.L = &r.tmu
	return r
}

// realStopped is what Park and Sleep panic with after Stop, to unwind the
// calling task; the wrapper of Go recovers it. Should a goroutine that is
// not a task block after Stop, the panic reaches the top and says why.
type realStopped struct{}

func (realStopped) Error() string {
	return "clock: the real runtime was stopped (a goroutine that is not one of its tasks blocked after Stop)"
}

// unwindIfStopped ends the calling task if Stop was called.
func (r *Real) unwindIfStopped() {
	if r.stopped.Load() {
		panic(realStopped{})
	}
}

// Stop ends the run: from now on every Park and Sleep of a task unwinds
// it instead of blocking (its deferred calls run, and the wrapper of Go
// ends it quietly), tasks already blocked in Park or Sleep are woken to
// unwind, Schedule callbacks that have not started do nothing, and Go
// starts nothing. Tasks that are running go on until their next Park or
// Sleep. Call Wait to wait until they have all ended. Stopping twice is
// harmless.
//
// Stop is meant for the end of a run: a goroutine that is not a task (a
// test's own) and blocks on a primitive of this runtime after Stop
// panics.
func (r *Real) Stop() {
	r.tmu.Lock()
	defer r.tmu.Unlock()
	if r.stopped.Load() {
		return
	}
	r.stopped.Store(true)
	close(r.done)
}

// begin counts a task or callback about to start; it reports false, and
// counts nothing, after Stop.
func (r *Real) begin() bool {
	r.tmu.Lock()
	defer r.tmu.Unlock()
	if r.stopped.Load() {
		return false
	}
	r.running++
	return true
}

// end uncounts a task or callback that ended.
func (r *Real) end() {
	r.tmu.Lock()
	defer r.tmu.Unlock()
	r.running--
	if r.running == 0 {
		r.idle.Broadcast()
	}
}

// Now returns the wall time elapsed since NewReal.
func (r *Real) Now() Time { return Time(time.Since(r.start)) }

// Sleep sleeps for d of wall time. After Stop it unwinds the task.
func (r *Real) Sleep(d time.Duration) {
	r.unwindIfStopped()
	if d <= 0 {
		runtime.Gosched()
		return
	}
	t := time.NewTimer(d)
	select {
	case <-t.C:
	case <-r.done:
		t.Stop()
		panic(realStopped{})
	}
}

// Schedule runs f after d on a timer goroutine. After Stop, f no longer
// runs.
func (r *Real) Schedule(d time.Duration, f func()) Timer {
	return realTimer{time.AfterFunc(d, func() {
		if !r.begin() {
			return
		}
		defer r.end()
		defer r.catch()
		f()
	})}
}

type realTimer struct{ t *time.Timer }

func (t realTimer) Stop() bool                 { return t.t.Stop() }
func (t realTimer) Reset(d time.Duration) bool { return t.t.Reset(d) }

// Go starts f on a goroutine; after Stop it starts nothing. A task
// unwound by Stop ends quietly; any other panic goes to the OnPanic
// handler if there is one, else it goes on and crashes the process, as a
// goroutine's panic does.
func (r *Real) Go(name string, f func()) {
	if !r.begin() {
		return
	}
	go func() {
		defer r.end()
		defer r.catch()
		f()
	}()
}

// OnPanic makes a panic in a task or in a Schedule callback call h with
// the panic value and the panicking goroutine's stack, instead of
// crashing the process; the task (or callback) ends there, after its
// deferred calls ran, and the others go on. It is for harnesses that
// count a model's panic (an assertion of the model, PROTOCOL.md 6.1 F1,
// F4) as a finding and then Stop the run, as the simulator fails a run
// (bench/peers). h runs on the panicking goroutine and must not block.
// The unwinding of Stop is not a panic for h. Set it before starting
// tasks.
func (r *Real) OnPanic(h func(p any, stack []byte)) { r.onPanic.Store(&h) }

// catch is deferred by every task and callback: it ends a task unwound by
// Stop quietly, and hands any other panic to the OnPanic handler, or lets
// it go on.
func (r *Real) catch() {
	p := recover()
	if p == nil {
		return
	}
	if _, ok := p.(realStopped); ok {
		return
	}
	if h := r.onPanic.Load(); h != nil {
		(*h)(p, debug.Stack())
		return
	}
	panic(p)
}

// Wait blocks until every task started with Go has returned, and every
// Schedule callback that was running has returned. After Stop, the tasks
// end at their next Park or Sleep, so Wait returns once the running ones
// get there.
func (r *Real) Wait() {
	r.tmu.Lock()
	defer r.tmu.Unlock()
	for r.running > 0 {
		r.idle.Wait()
	}
}

var _ GuardLocker = (*Real)(nil)

// GuardLocker implements the optional interface of NewGuard: in real mode
// a Guard is a real mutex.
func (r *Real) GuardLocker() Locker { return new(sync.Mutex) }

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

// FaultsOn is always false in real mode: nothing is injected.
func (r *Real) FaultsOn() bool { return false }

// Enter takes the big lock.
func (r *Real) Enter() { r.mu.Lock() }

// Exit releases the big lock.
func (r *Real) Exit() { r.mu.Unlock() }

// Self returns a fresh wake-up channel for one Park.
func (r *Real) Self() Handle { return make(chan struct{}, 1) }

// Park releases the big lock, waits for Unpark(h), and takes the lock
// again. After Stop it unwinds the task instead, with the lock held, as
// the park sites expect (abandon.go).
func (r *Real) Park(h Handle, why string) {
	c := h.(chan struct{})
	r.unwindIfStopped()
	r.mu.Unlock()
	select {
	case <-c:
		r.mu.Lock()
	case <-r.done:
		r.mu.Lock()
		panic(realStopped{})
	}
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
