// Command detlint checks Go code that runs inside a deterministic
// simulator for the constructs that make a run depend on something other
// than its seed: go statements, the wall clock, global or crypto
// randomness, sync locks, multi-case selects, map ranges and
// package-level vars. It is the analyzer of internal/detcheck (whose
// package documentation is the manual of the rules and the allow
// comments) packaged as a go vet tool:
//
//	go build -o bin/detlint ./cmd/detlint   # or: make detlint
//	go vet -vettool=bin/detlint ./...
//
// or, for another module, after
// go install github.com/cdcsim/cdcsim/cmd/detlint@latest:
//
//	go vet -vettool=$(which detlint) ./...
//
// # Scope
//
// detlint judges only code that says it runs inside the simulator, with
// a line comment
//
//	//dst:simulated
//
// (conventionally the last line of the package comment in doc.go, or,
// for test files, a comment of its own above the package clause, with an
// optional reason after a colon). A directive in a non-test file puts
// every non-test file of its package in scope; a directive in a _test.go
// file puts every test file with the same package clause in scope (the
// in-package test files, or the external test package's). Everything
// else, such as a command, a tool or a real-mode runtime, is ordinary Go
// and is not judged. In this repository the model packages and the
// workloads' test files carry the directive; cmd/, sim and bench do not.
//
// Findings are printed as file:line:col: rule: message, and go vet then
// exits with status 1. A reviewed exception is written next to the code
// as //dst:allow <rule>: <reason>, or as //dst:file-allow above the
// package clause for a whole file.
//
// detlint is built on golang.org/x/tools/go/analysis/unitchecker, so it
// also answers go vet's -flags and -V=full queries and can be run on a
// single package's vet configuration file, as every vet tool can.
package main
