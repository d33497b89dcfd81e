// Package chunk hands out small values and slices carved from larger
// arrays, so that a hot path that makes one short-lived or immortal value
// per event (a message, a batch's rows, a committed transaction) pays one
// heap allocation per chunk instead of one per value.
//
// The model's steps are cheap enough that the allocator and the GC were a
// large share of a run (issue 17): the reference workload made more than
// one allocation per scheduler step. Most of those values either live for
// the whole run (the upstream's history, kept as the checkers' ground
// truth) or die within a few steps (a message and its payload), and both
// kinds are fine to carve from a shared array: a chunk is freed when the
// last value carved from it is unreachable.
//
// The price is retention: one value still referenced keeps its whole
// chunk alive. Use it for values that all live about as long as each
// other, not for a value that one consumer keeps for long among many that
// die young. A carved slice is capped at its length, so appending to it
// reallocates instead of writing into its neighbour.
//
// A Chunk is not safe for concurrent use; in the simulator one task runs
// at a time, and each owner (a worker, the upstream) keeps its own.
// Nothing here draws randomness or touches a trace: carving a value
// instead of allocating it changes no decision.
package chunk
