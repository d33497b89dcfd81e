package dst

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// DefaultBlock is how many consecutive seeds of one workload make a
// block in a plan with a seed count: the unit of sharding and of work
// handed to a worker process. Small enough that progress is smooth, a
// kill loses little and the last chunks keep every worker busy, large
// enough that a process start (about 35 ms) is amortised. A time-bounded
// plan uses blocks of one seed (cli.go), for fairness between workloads.
const DefaultBlock = 4

// Plan is the seeds a sweep runs: for each workload in order, seeds
// Start, Start+1, ... (Seeds of them, or without end when Seeds is 0 and
// a time budget stops the sweep), cut into blocks of Block consecutive
// seeds, of which this shard takes its share.
type Plan struct {
	Workloads []string
	Start     uint64
	// Seeds is the number of seeds per workload; 0: open-ended.
	Seeds int
	// Block is the number of consecutive seeds per block. Invariant: >= 1.
	Block int
	Shard Shard
}

// Shard is one of N deterministic parts of a plan; the zero value (and
// 0/1) is the whole plan.
type Shard struct {
	// I is the shard's index, from 0, as Kubernetes' JOB_COMPLETION_INDEX.
	// Invariant: 0 <= I < N.
	I, N int
}

func (s Shard) String() string {
	if s.N <= 1 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.I, s.N)
}

// ParseShard parses "i/n" with i counted from 0.
func ParseShard(v string) (Shard, error) {
	a, b, ok := strings.Cut(v, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, usagef("--shard %q: want i/n, e.g. 0/4 (shards are numbered from 0, as JOB_COMPLETION_INDEX)", v)
	}
	return checkShard(i, n)
}

func checkShard(i, n int) (Shard, error) {
	if n < 1 {
		return Shard{}, usagef("shard %d/%d: the number of shards must be at least 1", i, n)
	}
	if i < 0 || i >= n {
		return Shard{}, usagef("shard %d/%d: the index must be in 0..%d (shards are numbered from 0, as JOB_COMPLETION_INDEX)", i, n, n-1)
	}
	return Shard{I: i, N: n}, nil
}

// ShardFromEnv returns the shard a Kubernetes Indexed Job gives a pod:
// JOB_COMPLETION_INDEX, out of total (--shards, else DST_SHARDS). ok is
// false when JOB_COMPLETION_INDEX is not set.
func ShardFromEnv(total int) (s Shard, ok bool, err error) {
	idx, set := os.LookupEnv("JOB_COMPLETION_INDEX")
	if !set {
		return Shard{}, false, nil
	}
	i, err := strconv.Atoi(idx)
	if err != nil {
		return Shard{}, true, usagef("JOB_COMPLETION_INDEX=%q is not an integer", idx)
	}
	if total == 0 {
		env := os.Getenv("DST_SHARDS")
		if env == "" {
			return Shard{}, true, usagef("JOB_COMPLETION_INDEX is set but the number of shards is not: set --shards or DST_SHARDS (the Job's completions)")
		}
		if total, err = strconv.Atoi(env); err != nil {
			return Shard{}, true, usagef("DST_SHARDS=%q is not an integer", env)
		}
	}
	s, err = checkShard(i, total)
	return s, true, err
}

// Chunk is consecutive seeds of one workload, run by one process.
type Chunk struct {
	Workload string
	Start    uint64
	Count    int
	// Pins are settings of this chunk's own, after the sweep's (a
	// guided child's configuration); Parent is the guided child's
	// parent seed. Both are empty for the plan's chunks.
	Pins   []string
	Parent uint64
}

func (c Chunk) String() string {
	return fmt.Sprintf("%s seeds %d..%d", c.Workload, c.Start, c.Start+uint64(c.Count)-1)
}

// owns reports whether block k of workload w is this shard's. Blocks go
// to shards round robin, offset by the workload's index so that a shard
// gets a share of every workload even when there are as many workloads
// as shards.
func (p *Plan) owns(w, k int) bool {
	n := max(p.Shard.N, 1)
	return (k+w)%n == p.Shard.I
}

// Contains reports whether the seed of the workload is one of this
// shard's seeds of the plan.
func (p *Plan) Contains(workload string, seed uint64) bool {
	w := slices.Index(p.Workloads, workload)
	if w < 0 || seed < p.Start {
		return false
	}
	off := seed - p.Start
	if p.Seeds > 0 && off >= uint64(p.Seeds) {
		return false
	}
	n := uint64(max(p.Shard.N, 1))
	k := off / uint64(p.Block)
	return (k%n+uint64(w)%n)%n == uint64(p.Shard.I)
}

// String describes the plan in a line, for messages.
func (p *Plan) String() string {
	s := fmt.Sprintf("seeds %d..", p.Start)
	if p.Seeds > 0 {
		s += strconv.FormatUint(p.Start+uint64(p.Seeds)-1, 10)
	}
	s += fmt.Sprintf(" in blocks of %d", p.Block)
	if p.Shard.N > 1 {
		s += ", shard " + p.Shard.String()
	}
	return s
}

// blocksOf returns how many blocks workload w has; -1: without end.
func (p *Plan) blocks() int {
	if p.Seeds == 0 {
		return -1
	}
	return (p.Seeds + p.Block - 1) / p.Block
}

// Total returns how many seeds this shard of the plan runs; 0 when the
// plan is open-ended.
func (p *Plan) Total() int {
	if p.Seeds == 0 {
		return 0
	}
	total := 0
	for w := range p.Workloads {
		for k := range p.blocks() {
			if p.owns(w, k) {
				total += p.blockLen(k)
			}
		}
	}
	return total
}

func (p *Plan) blockLen(k int) int {
	if p.Seeds == 0 {
		return p.Block
	}
	return min(p.Block, p.Seeds-k*p.Block)
}

// Cursor walks a plan's blocks in order, round robin over the
// workloads (block 0 of each, then block 1 of each, ...), skipping the
// blocks of other shards and the seeds already done, and hands out what
// is left as chunks.
type Cursor struct {
	plan *Plan
	done Done
	k, w int
	// pending holds the chunks of the current block not handed out yet
	// (a block with done seeds in the middle splits in several).
	pending []Chunk
}

// Done is the set of seeds already recorded, per workload.
type Done map[string]map[uint64]bool

// Has reports whether the seed of the workload is recorded.
func (d Done) Has(workload string, seed uint64) bool { return d[workload][seed] }

// Add records a seed; it reports false when it was already there.
func (d Done) Add(workload string, seed uint64) bool {
	m := d[workload]
	if m == nil {
		m = map[uint64]bool{}
		d[workload] = m
	}
	if m[seed] {
		return false
	}
	m[seed] = true
	return true
}

// NewCursor starts at the plan's first block.
func NewCursor(p *Plan, done Done) *Cursor { return &Cursor{plan: p, done: done} }

// Next returns the next chunk to run, or false when the plan is done.
func (c *Cursor) Next() (Chunk, bool) {
	for len(c.pending) == 0 {
		if nb := c.plan.blocks(); nb >= 0 && c.k >= nb {
			return Chunk{}, false
		}
		if uint64(c.k)*uint64(c.plan.Block) > math.MaxUint64-c.plan.Start {
			return Chunk{}, false // an open-ended plan ends at the largest seed, never wraps
		}
		if c.plan.owns(c.w, c.k) {
			c.pending = c.missing(c.plan.Workloads[c.w], c.k)
		}
		if c.w++; c.w == len(c.plan.Workloads) {
			c.w, c.k = 0, c.k+1
		}
	}
	ch := c.pending[0]
	c.pending = c.pending[1:]
	return ch, true
}

// missing returns the runs of not-yet-done seeds of block k as chunks.
func (c *Cursor) missing(workload string, k int) []Chunk {
	var out []Chunk
	first := c.plan.Start + uint64(k*c.plan.Block)
	for i := range c.plan.blockLen(k) {
		seed := first + uint64(i)
		if seed < first {
			break // past the largest seed
		}
		if c.done.Has(workload, seed) {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Start+uint64(out[n-1].Count) == seed {
			out[n-1].Count++
			continue
		}
		out = append(out, Chunk{Workload: workload, Start: seed, Count: 1})
	}
	return out
}
