// Package mutate makes mutants of the model's packages: small changes
// to the code, each one a bug the simulator's checkers and workloads
// should catch. dst mutate (package internal/dst) builds and sweeps
// them; this package only generates them, with go/ast, go/parser and
// go/printer, and never writes to the tree.
//
// # What is mutated
//
// Generate takes package directories (dst mutate's default is session,
// collector and eventservice; coordinator and cluster may be added) and
// mutates the function bodies of their non-test files: declarations at
// package level are the model's shape, not its behaviour. Never the
// simulator, the checkers or the workloads, which are the judges. Left
// alone inside functions:
//   - trace calls (tracef) and conditions that guard tracing: they only
//     observe, and cannot change what the model does;
//   - the session's bump (Stat.Version and Config.Changed, which only
//     the checkers read) and the coverage calls (coverTransition,
//     coverRequeue, covered, cover, any other cover*: sim.World.Cover's, read by the
//     sweep's summary and the Sometimes);
//   - assertions: functions named assert*, calls to assertf,
//     tiassert.Failf and panic, and an if whose body only asserts or
//     traces. An assertion is an oracle the model carries: deleting or
//     weakening it changes only runs where it would have fired, which a
//     correct model never has, and strengthening it tests the oracle, not
//     the protocol;
//   - conditions that test a variant (X.Bug(...), X.Patch(...)): mutating
//     them only turns a bug or a patch on or off;
//   - code inside a branch taken only with a bug variant on: it never
//     runs in a sweep.
//
// # Operators (operators.go, stmts.go)
//
// Each has a short stable name (Names, --operators):
//
//	skip-check     if <cond reading removed/epoch/stale>  ->  if false
//	negate-cond    if c / for c  ->  !(c)  (and !c -> c)
//	if-true        if c  ->  if true
//	if-false       if c  ->  if false
//	drop-operand   a && b, a || b  ->  a, and -> b
//	delete-call    f(x) as a statement (a cleanup, a delete(), a notify) deleted
//	delete-send    ch <- v deleted
//	delete-assign  x.f = v, m[k] = v, *p = v, x.f++ deleted
//	delete-defer   defer ... deleted
//	return-early   return <zero values> inserted at the top of a block
//	lock-late      the statement after X.Lock() (past a defer X.Unlock()) moved before it
//	unlock-early   the statement before X.Unlock() moved after it
//	swap-stmts     two adjacent statements swapped
//	boundary       < <-> <=, > <-> >=
//	const-inc      an integer literal + 1
//	const-dec      a positive integer literal - 1
//
// swap-stmts leaves alone two plain assignments with no call, channel
// operation or function literal that touch different things (x.a = 1;
// x.b = 2): no scheduling point lies between them, so under the
// simulator's one-task-at-a-time scheduler no run can tell their order,
// and the swap would be equivalent by construction (stmts.go,
// independent).
//
// Lock and unlock are sync's (Lock, RLock, Unlock, RUnlock) and the
// model's wrappers (lockRequest, unlockRequest). Moves and swaps leave
// declarations, jumps, locks and trace calls in place, and the body of a
// switch or select, a list of clauses, is never edited as a list (its
// clauses' bodies are). return-early is not inserted where the block
// only traces and then returns the same thing. return-early
// returns false, 0, "" or nil for the built-in types and *new(T) for any
// other, so it compiles for every result type; a function with named
// results gets a bare return.
//
// # Order, identity and duplicates (mutant.go)
//
// The mutants come in a fixed order: packages as given, files by name,
// operators in the order above, sites in source order. Each is applied
// to a fresh parse of its file, printed without comments (moved
// statements would drag comments into odd places), and dropped when the
// print equals the original's or an earlier mutant's of the same file:
// skip-check comes before if-false so that such an if is counted once,
// under the more telling name.
//
// A mutant's ID is 12 hex digits of the sha256 of its Key,
// package/file:function:operator:code-before#k, where k counts earlier
// sites with the same function, operator and code. No line number is in
// it, so an ID survives edits elsewhere in the file, and the checked-in
// list of equivalent mutants (equivalent.txt, ReadEquivalent: an ID and
// a reason per line) stays valid.
//
// # Patches (patch.go)
//
// The workloads run with every hazard patch on (workloads.Patched). A
// patch is a branch on X.Patch(name) that replaces a piece of HEAD's path;
// a mutant of that piece may never run with the patch on. PatchOff names
// the patch when the site comes after a Patch(...) check in its function
// and outside the branch that check guards (name resolved through the
// package's string constants), and dst mutate sweeps such a mutant that
// survived once more with that patch off. Code reached only through a
// patched-out path in another function is not found.
//
// # Sampling (select.go)
//
// Sample picks n mutants by a seed (a PCG permutation of the positions),
// returned in generation order: the same flags and seed pick the same
// mutants in the same order on any machine and with any number of
// workers.
//
// # Fuzzing (fuzz_test.go)
//
// FuzzParseEquivalent checks that any accepted equivalence file prints
// back (key and reason separated by a space or a tab) as a file that
// parses to the same list; FuzzMatchPlace checks MatchPlace against the
// regexp a pattern stands for. make fuzz runs them.
package mutate
