package sim

import (
	"io"
	"math/bits"
)

// tracer keeps the rolling hash of every decision and, when asked, the
// text trace. The hash is always on: it costs a multiply and a rotate per
// decision, and it is what proves two runs identical.
type tracer struct {
	hash uint64
	// out receives the text trace and sink the structured records
	// (record.go); with both nil nothing is formatted at all.
	out  io.Writer
	sink func(Record)
	// steps, when recording, holds the hash after each step, so two runs
	// can be compared step by step to find where they diverged.
	recording bool
	steps     []uint64
}

const hashInit = 0xcbf29ce484222325

// mix folds one decision into the hash.
func (tr *tracer) mix(v uint64) {
	h := tr.hash ^ (v * 0x9e3779b97f4a7c15)
	tr.hash = bits.RotateLeft64(h, 27) * 0x94d049bb133111eb
}

func (tr *tracer) mix2(a, b uint64) {
	tr.mix(a)
	tr.mix(b)
}

// Tags that start each hashed decision, so that two different decisions
// with equal operands do not hash alike.
const (
	tagRun uint64 = iota + 1
	tagWake
	tagTimer
	tagSpawn
	tagExit
	tagPark
	tagUnpark
	tagRand
	tagBuggify
	tagCrash
	tagRestart
	tagTime
	tagHold
	tagStop
)

// on reports whether anyone listens to the trace, as text or records.
func (tr *tracer) on() bool { return tr.out != nil || tr.sink != nil }

// fnv64 hashes a label for stream and site derivation.
func fnv64(s string) uint64 {
	h := uint64(hashInit)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 0x100000001b3
	}
	return h
}

// splitmix64 is a seed scrambler: nearby seeds give unrelated streams.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
