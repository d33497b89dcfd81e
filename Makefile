# cdcsim. Every target works on a fresh machine with Go 1.26 at
# /usr/local/go; module downloads go through the Go module proxy.
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)
export GOFLAGS := -buildvcs=false
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c

# The main job sweeps the default workloads (package workloads: the TiCDC
# model under the swarm's faults with every invariant checker installed).
# They turn the patches for the known hazards on, so every failure a
# sweep reports is new; HEAD=1 sweeps pure HEAD behaviour, where the known
# hazards of FINDINGS.md show up too. SEEDS is per workload.
SEEDS ?= 20
PKG   ?= ./workloads
TEST  ?= (TestSteady|TestChurn)
SEED  ?= 1
OUT   ?= out
HEAD  ?=
SIMFLAGS ?= $(if $(HEAD),-sim.set=patch=,)

.PHONY: test run nightly replay bench lint

# The test command CI runs (.ci/run): vet, gofmt, every test, then under
# the race detector the kernel, its primitives, the model's packages and
# the real-mode cluster (the simulated cluster tests are single-threaded
# by construction and slow under -race). About three minutes on 2 cores.
test: lint
	go test -count=1 ./...
	go test -count=1 -race ./sim ./clock ./session ./collector ./network ./eventservice ./coordinator
	go test -count=1 -race -run 'TestRealMode|TestSteady' ./cluster

# The main job: a seed sweep from a fresh random seed, every seed run
# twice to check determinism (about two minutes). Prints one report with
# a replay line per failing seed, and a summary line per workload.
run:
	go test -count=1 $(PKG) -run '^$(TEST)$$' -v -sim.random -sim.recheck -sim.keep-going -sim.seeds=$(SEEDS) $(SIMFLAGS) -timeout 0 | grep -v '^=== RUN'

# A long sweep that keeps going after failures and writes every result.
nightly:
	mkdir -p $(OUT)
	go test -count=1 $(PKG) -run '^$(TEST)$$' -sim.random -sim.recheck -sim.keep-going -sim.seeds=20000 $(SIMFLAGS) -sim.json=$(OUT)/nightly.jsonl -timeout 0

# Re-run one seed with its full text trace:
#   make replay TEST=TestSteady SEED=7
#   make replay PKG=./cluster TEST=TestModelUnderFaults SEED=31 HEAD=1
replay:
	go test -count=1 $(PKG) -run '^$(TEST)$$' -sim.seed=$(SEED) $(SIMFLAGS) -sim.trace -v

# Benchmarks, six samples each, summarised by benchstat.
bench:
	mkdir -p $(OUT)
	go test -run '^$$' -bench . -benchmem -count 6 ./sim ./network | tee $(OUT)/bench.txt
	command -v benchstat >/dev/null || go install golang.org/x/perf/cmd/benchstat@latest
	benchstat $(OUT)/bench.txt

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	go vet ./...
