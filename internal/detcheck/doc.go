// Package detcheck checks Go source against the determinism rules for code
// that runs inside the simulator (DESIGN.md, last section). A simulated run
// must be a function of its seed alone: same seed, same binary, same trace
// hash. Each rule below names one way in which ordinary Go code lets
// something other than the seed (the Go scheduler, the wall clock, the
// runtime's map hashing, the process's history) reach a decision. The
// check is static and deliberately blunt: it flags the construct, not a
// proven bug, and a reviewed exception is written down next to the code
// with an allow comment that carries its reason.
//
// The rules run two ways, on one implementation of the rules and of the
// allow comments:
//
//   - Analyzer, a golang.org/x/tools/go/analysis analyzer, which
//     cmd/detlint runs under go vet on any module:
//     go vet -vettool=bin/detlint ./... (make detlint builds bin/detlint;
//     make lint runs it on this repository). It judges the files that a
//     dst:simulated directive puts in scope (below), test files included.
//   - CheckDir, which checks one package directory in process: its
//     non-test .go files, as selected by go/build for the current
//     platform, whatever their directives. The package is type-checked
//     with go/types, because two rules (map-range and the resolution of
//     imported names) depend on types. A package that does not type-check
//     is reported, never silently passed. This package's test runs it on
//     the model packages, and checks that each carries the directive.
//
// # Scope
//
// Which code is inside the simulator is said in the code, not in a list
// the tool keeps, so that the same go vet command serves every module:
//
//	//dst:simulated
//	package model
//
// A line comment "//dst:simulated" (or "// dst:simulated", optionally
// followed by a colon and a reason) anywhere in a file, conventionally
// the last line of the package comment in doc.go, puts in scope every
// file of the same group as that file. The groups are the non-test files
// of a package, its in-package _test.go files, and its external test
// package's files: a test file's directive therefore covers the
// workloads in all the test files of its package clause, and a package
// whose simulated code sits beside a harness (test files that measure
// wall time, say) marks only the group that is simulated. Files outside
// every marked group, such as commands, tools and the real-mode runtime's
// packages, are ordinary Go and are not judged. In this repository the
// model packages (clock, session, collector, eventservice, coordinator,
// cluster, network, internal/tiassert) and workloads are marked, and so
// are both groups of the workloads' test files; the real-mode files among
// them (clock/real.go, network/real.go) exempt themselves with
// dst:file-allow.
//
// # Rules
//
// go-statement: a go statement. A goroutine is scheduled by the Go
// runtime, which the simulator neither sees nor controls, so its
// interleaving is not a function of the seed. Start tasks with the
// runtime's Go instead (clock.Tasks).
//
// wall-clock: a use of time.Now, time.Since, time.Until, time.Sleep,
// time.After, time.AfterFunc, time.NewTimer, time.NewTicker or time.Tick,
// whatever name time is imported under. Under the simulator time is
// virtual and jumps; the wall clock differs on every run. Use the
// runtime's clock (clock.Clock, clock.NewTicker, clock.After). Types and
// constants of package time, such as time.Duration and time.Second, are
// fine, as are methods on time values.
//
// global-rand: a use of a package-level function of math/rand or
// math/rand/v2 other than a constructor (New, NewPCG, NewSource, NewZipf,
// NewChaCha8). Those functions draw from a process-wide source that is
// seeded randomly and shared with every other caller, so neither the
// values nor their order are reproducible. Draw from a stream the runtime
// hands out (clock.Chooser.Rand), which is derived from the seed and
// hashed into the trace. Types (*rand.Rand, rand.Source, rand.PCG) and
// methods on a *rand.Rand are fine.
//
// crypto-rand: an import of crypto/rand, whose bytes are unreproducible by
// design.
//
// sync-primitive: a use of the type sync.Mutex, sync.RWMutex,
// sync.WaitGroup, sync.Cond or sync.Once, in any position (field, variable,
// composite literal, new, embedding). These block outside the simulator's
// scheduler: a task that waits on one stalls the whole simulation instead
// of yielding, and the lock is never a scheduling point, so the races it
// guards cannot be explored. Use clock.Mutex, clock.RWMutex and
// clock.WaitGroup. Package sync/atomic is fine.
//
// select: a select statement with more than one case, a default counting
// as a case. When several cases are ready Go picks one at random. Use
// clock.Select, whose pick is a seeded decision. A select with one case
// makes no choice and is allowed.
//
// map-range: a for-range over a value whose type is a map (including a
// type parameter whose constraint admits only maps), or directly over
// maps.All, maps.Keys or maps.Values. Go randomises map iteration order on
// purpose, so any decision or trace line that follows it differs between
// runs. Sort the keys (slices.Sorted(maps.Keys(m)) is fine, as it is not
// a range over the iterator) or keep a slice. When the order provably
// cannot matter, say so with an allow comment.
//
// package-state: a package-level var declaration, unless its name is the
// blank identifier (var _ I = (*T)(nil), an interface assertion) or it is
// a sentinel error: a name starting with err or Err initialised with
// errors.New or fmt.Errorf. Many runs share one process (a test runs
// hundreds of seeds), so state at package level survives from one run
// into the next and makes a run depend on the runs before it. Keep state
// in values the run owns. The rule does not try to prove a var is never
// written: a read-only table also needs an allow comment or a function
// that returns it.
//
// typecheck (CheckDir only): the package failed to parse or type-check.
// The other rules still run on what could be checked, but a package that
// does not type-check cannot be cleared, because map-range and the
// resolution of imported names need types. Under go vet the driver
// itself refuses such a package before the analyzer runs.
//
// allow-without-reason and allow-unknown-rule: a malformed allow comment
// (see below). An allow comment with a problem suppresses nothing.
//
// # Allow comments
//
// A reviewed exception is written as a line comment:
//
//	//dst:allow <rule>[,<rule>...]: <reason>
//
// "// dst:allow" with a space is accepted too; other text before
// "dst:allow" in the comment makes it prose, not a directive. The comment
// suppresses the named rules at the line it is on when it trails code, and
// also at the line directly below when it stands alone on its line:
//
//	for k := range m { //dst:allow map-range: only sums the values
//
//	//dst:allow map-range: only sums the values
//	for k := range m {
//
// The reason is mandatory, because the next reader must be able to judge
// the exception without rediscovering it. A directive without one is
// reported as allow-without-reason; a directive that names no rule or a
// rule that does not exist (a typo, or an old name) is reported as
// allow-unknown-rule.
//
// A whole file is exempted from some rules by a directive placed before
// its package clause:
//
//	//dst:file-allow go-statement,wall-clock: this file is the real-mode runtime
//	package clock
//
// The rules typecheck, allow-without-reason and allow-unknown-rule cannot
// be allowed.
package detcheck
