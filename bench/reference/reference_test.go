// Package reference measures cdcsim on the reference workload of issue 7
// and how its cost scales (BENCHMARKS.md, "Reference workload, scaling
// and profile").
//
// The reference workload is three nodes replicating 64 tables (one
// dispatcher each) under the default fault preset (-sim.set=faults=default:
// 1 % drop, 1 % duplicate, 2 % delay spikes, synchronous send failures,
// partitions and clogs, a node crash every two minutes on average) for
// ten minutes of virtual time, with the patches of the known hazards on
// (so the run is clean and runs to its end) and, unless a benchmark says
// checkers=off, every checker of package workloads installed. After the
// ten minutes the run heals, waits for the liveness goal and settles, as
// workloads.Run.Faults does: the virtual time a metric divides by is the
// run's whole virtual time as the simulator reports it.
//
// One benchmark op is one whole run of one seed, so -benchmem's allocs/op
// and B/op are per run. Every run of a configuration uses the same seed,
// so samples differ only by the machine's noise. Custom metrics:
//
//	steps/s        scheduler steps per wall second
//	msgs/s         messages delivered per wall second: between nodes by
//	               the network (network.Stats.Delivered) plus those between
//	               a node's own collector and event service, which never
//	               cross the network (cluster.LocalMessages)
//	net-msgs/s     the network's share of msgs/s
//	vsec/s         virtual seconds per wall second
//	ns/disp-vsec   wall ns per dispatcher per virtual second: flat when
//	               cost is linear in dispatchers and in virtual time
//	steps/disp-vsec  the same in steps, which is free of machine noise
//	cpu-s/run      user + system CPU time of the process per run (getrusage;
//	               includes the GC's background work on the second core)
//	vsec/cpu-s     virtual seconds per CPU second: vsec/s with the waiting
//	               for a core on a shared machine taken out
//	cpu-ns/disp-vsec  ns/disp-vsec in CPU time
//	peak-heap-MB   high-water mark of the Go heap in use (runtime/metrics
//	               /memory/classes/heap/objects:bytes, which is
//	               MemStats.HeapAlloc: live objects plus garbage not yet
//	               swept), sampled every 5 ms by a goroutine outside the
//	               simulator, after a forced GC before the run
//	live-end-MB    the heap that survives a GC at the end of the run while
//	               the world is still referenced: the model's retained state
//
// Run them with make reference, or
//
//	go test -run '^$' -bench . -benchtime 1x -count 6 -benchmem ./bench/reference
package reference

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/workloads"
)

// Shape is one configuration of the reference workload.
type Shape struct {
	Nodes       int
	Dispatchers int
	Safety      time.Duration // the faulty phase; heal, goals and settle follow
	Checkers    bool
	Seed        uint64
}

// Reference is the reference workload of issue 7.
var Reference = Shape{Nodes: 3, Dispatchers: 64, Safety: 10 * time.Minute, Checkers: true, Seed: 1}

// config is the simulator's configuration of a run of s.
func (s Shape) config() sim.Config {
	cfg := sim.DefaultConfig(s.Seed)
	for _, kv := range [][2]string{{"faults", "default"}, {"budget.steps", "2000000000"}, {"budget.wall", "1h"}} {
		if err := cfg.Set(kv[0], kv[1]); err != nil {
			panic(err)
		}
	}
	workloads.Patched(&cfg)
	return cfg
}

// body is the workload: the cluster, its tables, the faulty phase, heal
// and liveness. With checkers it is workloads.Start and Faults; without,
// the same cluster built directly, so the difference is the checkers'
// cost (and the liveness goal's).
func (s Shape) body(w *sim.World, cp **cluster.Cluster) {
	cc := cluster.DefaultConfig()
	cc.Nodes, cc.Upstream = s.Nodes, cluster.DefaultUpstreamConfig(s.Dispatchers)
	if s.Checkers {
		r := workloads.Start(w, cc)
		*cp = r.C
		r.AddTables(1, int64(s.Dispatchers))
		r.Faults(s.Safety, nil)
		return
	}
	cc.Variants = w.Config().Variants
	c := cluster.New(w, w.Network(), func(name string, boot func()) { w.NewNode(name, boot) }, cc)
	*cp = c
	w.Sleep(time.Second)
	for table := int64(1); table <= int64(s.Dispatchers); table++ {
		n := c.Nodes()[int(table)%len(c.Nodes())]
		c.AddDispatcher(n, c.TableSpan(table), cluster.TsAt(w.Now()))
	}
	w.StartFaults()
	w.Sleep(s.Safety)
	w.Heal()
	w.AwaitGoals()
	w.Sleep(6 * time.Second)
}

// Outcome is what one run did.
type Outcome struct {
	Res       *sim.Result
	Delivered uint64 // by the network (between nodes)
	Local     uint64 // between a node's own components (cluster.LocalMessages)
	Wall      time.Duration
	CPU       time.Duration // user + system time of the process during the run
	PeakHeap  uint64        // bytes, sampled
	LiveEnd   uint64        // bytes after a GC at the end
}

// Run runs s once and measures it.
func (s Shape) Run() Outcome {
	var o Outcome
	w := sim.New(s.config())
	runtime.GC()
	stop := sampleHeap(&o.PeakHeap)
	var c *cluster.Cluster
	start, cpu0 := time.Now(), cpuTime()
	o.Res = w.Run(func() { s.body(w, &c) })
	o.Wall, o.CPU = time.Since(start), cpuTime()-cpu0
	stop()
	o.Delivered, o.Local = w.Network().Stats().Delivered, c.LocalMessages()
	runtime.GC()
	o.LiveEnd = heapObjects()
	runtime.KeepAlive(w)
	return o
}

// bench runs s b.N times and reports the metrics of the package doc.
func (s Shape) bench(b *testing.B) {
	b.ReportAllocs()
	var steps, delivered, local, peak, live uint64
	var vsec, wall, cpu float64
	for b.Loop() {
		o := s.Run()
		if o.Res.Failure != nil {
			b.Fatalf("seed %d failed: %v", s.Seed, o.Res.Failure)
		}
		steps += o.Res.Steps
		delivered += o.Delivered
		local += o.Local
		vsec += time.Duration(o.Res.Time).Seconds()
		wall += o.Wall.Seconds()
		cpu += o.CPU.Seconds()
		peak, live = max(peak, o.PeakHeap), max(live, o.LiveEnd)
	}
	n := float64(b.N)
	b.ReportMetric(float64(steps)/wall, "steps/s")
	b.ReportMetric(float64(delivered+local)/wall, "msgs/s")
	b.ReportMetric(float64(delivered)/wall, "net-msgs/s")
	b.ReportMetric(vsec/wall, "vsec/s")
	b.ReportMetric(wall*1e9/(vsec*float64(s.Dispatchers)), "ns/disp-vsec")
	b.ReportMetric(float64(steps)/(vsec*float64(s.Dispatchers)), "steps/disp-vsec")
	b.ReportMetric(cpu/n, "cpu-s/run")
	b.ReportMetric(vsec/cpu, "vsec/cpu-s")
	b.ReportMetric(cpu*1e9/(vsec*float64(s.Dispatchers)), "cpu-ns/disp-vsec")
	b.ReportMetric(float64(steps)/n, "steps/run")
	b.ReportMetric(vsec/n, "vsec/run")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(live)/(1<<20), "live-end-MB")
}

// BenchmarkReference is the reference workload, with and without the
// checkers.
func BenchmarkReference(b *testing.B) {
	for _, on := range []bool{true, false} {
		s := Reference
		s.Checkers = on
		b.Run(fmt.Sprintf("checkers=%s", onOff(on)), s.bench)
	}
}

// The scaling benchmarks run every size without checkers (the model and
// the kernel alone) and with them. The checkers look only at the
// dispatchers a step changed (cluster.Watch), so a checked run costs a
// constant factor more than an unchecked one at every size. Names say
// the shape: disp, nodes, vmin (the faulty phase in virtual minutes) and
// checkers.

// BenchmarkScaleDispatchers varies the dispatchers on three nodes: 1 to
// 100 for ten virtual minutes and 1000 for 2.5 (its ten-minute run takes
// over a minute of wall time a sample) without checkers; 1 to 1000 for
// 2.5 virtual minutes with them.
func BenchmarkScaleDispatchers(b *testing.B) {
	for _, d := range []int{1, 10, 100, 1000} {
		s := Reference
		s.Dispatchers, s.Checkers = d, false
		if d >= 1000 {
			s.Safety = 150 * time.Second
		}
		b.Run(s.name(), s.bench)
	}
	for _, d := range []int{1, 10, 100, 1000} {
		s := Reference
		s.Dispatchers, s.Safety = d, 150*time.Second
		b.Run(s.name(), s.bench)
	}
}

// BenchmarkScaleNodes varies the nodes with 64 dispatchers: ten virtual
// minutes without checkers, 2.5 with them.
func BenchmarkScaleNodes(b *testing.B) {
	for _, on := range []bool{false, true} {
		for _, n := range []int{3, 5, 9} {
			s := Reference
			s.Nodes, s.Checkers = n, on
			if on {
				s.Safety = 150 * time.Second
			}
			b.Run(s.name(), s.bench)
		}
	}
}

// BenchmarkScaleTime varies the faulty phase's virtual time: 2.5, 5 and
// 10 minutes, without and with checkers.
func BenchmarkScaleTime(b *testing.B) {
	for _, on := range []bool{false, true} {
		for _, d := range []time.Duration{150 * time.Second, 5 * time.Minute, 10 * time.Minute} {
			s := Reference
			s.Safety, s.Checkers = d, on
			b.Run(s.name(), s.bench)
		}
	}
}

// name is a sub-benchmark's name for s.
func (s Shape) name() string {
	return fmt.Sprintf("disp=%d/nodes=%d/vmin=%g/checkers=%s", s.Dispatchers, s.Nodes, s.Safety.Minutes(), onOff(s.Checkers))
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// cpuTime returns the user and system time the process has used: on a
// shared machine a run's CPU time moves far less than its wall time,
// which includes the time spent waiting for a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// heapObjects returns the bytes of heap objects (MemStats.HeapAlloc)
// without stopping the world.
func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// sampleHeap records the high-water mark of heapObjects into *peak every
// 5 ms until the returned stop is called. The sampler is a goroutine
// outside the simulator: it reads nothing of the run.
func sampleHeap(peak *uint64) (stop func()) {
	var done atomic.Bool
	finished := make(chan struct{})
	*peak = heapObjects()
	go func() {
		defer close(finished)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for !done.Load() {
			*peak = max(*peak, heapObjects())
			<-t.C
		}
	}()
	return func() {
		done.Store(true)
		<-finished
		*peak = max(*peak, heapObjects())
	}
}

// TestReferenceHashes runs short shapes of the reference workload and
// logs each run's hash, steps and messages: a change that claims to keep
// the model's behaviour must leave these lines unchanged (go test -v).
func TestReferenceHashes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the model for about ten seconds")
	}
	for _, s := range []Shape{
		{Nodes: 3, Dispatchers: 64, Safety: time.Minute, Checkers: true, Seed: 1},
		{Nodes: 3, Dispatchers: 64, Safety: time.Minute, Checkers: false, Seed: 1},
		{Nodes: 5, Dispatchers: 16, Safety: 3 * time.Minute, Checkers: true, Seed: 2},
		{Nodes: 3, Dispatchers: 8, Safety: 3 * time.Minute, Checkers: true, Seed: 3},
	} {
		o := s.Run()
		if o.Res.Failure != nil {
			t.Fatalf("%+v: %v", s, o.Res.Failure)
		}
		t.Logf("%+v: hash %016x steps %d delivered %d+%d vtime %v", s, o.Res.Hash, o.Res.Steps, o.Delivered, o.Local, time.Duration(o.Res.Time))
	}
}
