// Package model is the system under test of dst mutate's end-to-end
// test: four integer constants, so const-inc makes exactly four
// mutants: one that the workload kills (Wrap), one it runs but does not
// check (Ignored), one on a line no seed runs (Unused) and one that does
// not compile (Last).
package model

const size = 2

// Wrap wraps v around 13: the workload checks it.
func Wrap(v uint64) uint64 {
	return v % 13
}

// Unused is called by nobody, so no workload sees its mutant.
func Unused() int {
	return 7
}

// Last is the last element of an array of constant length: index 2 is
// out of range at compile time.
func Last() int {
	var a [size]int
	return a[1]
}

// Ignored is called by TestQuiet, which drops its result: its mutant
// runs on every seed and survives.
func Ignored(v uint64) uint64 {
	return v + 5
}
