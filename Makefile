# cdcsim. Every target works on a fresh machine with Go 1.26 at
# /usr/local/go; module downloads go through the Go module proxy.
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)
export GOFLAGS := -buildvcs=false
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c

# The main job sweeps the workloads (package workloads: the TiCDC model
# under the swarm's faults with every invariant checker installed) with
# cmd/dst. They turn the patches for the known hazards on, so every
# failure a sweep reports is new; HEAD=1 sweeps pure HEAD behaviour, where
# the known hazards of FINDINGS.md show up too. WORKLOAD=REGEX narrows the
# sweep, SEEDS=N runs N seeds per workload instead of a time budget,
# START=S fixes the first seed, SHARD=i/n runs one shard, DST='...' adds
# any other dst run flag (bin/dst run -h).
SEEDS ?=
WORKLOAD ?=
START ?=
SHARD ?=
DST   ?=
NIGHTLY_TIME ?= 1h
PKG   ?= ./workloads
TEST  ?= (TestSteady|TestChurn)
SEED  ?= 1
OUT   ?= out
HEAD  ?=
SET   ?=
SIMFLAGS ?= $(if $(HEAD),-sim.set=patch=,)
DSTFLAGS = $(if $(HEAD),--patch=,) $(if $(WORKLOAD),--workload '$(WORKLOAD)',) $(if $(SEEDS),--seeds $(SEEDS),) \
	$(if $(SHARD),--shard $(SHARD),) $(if $(filter-out ./workloads,$(PKG)),--pkg $(PKG),) $(DST)

.PHONY: test dst detlint run nightly replay shrink bench lint

# bin/dst, the dst command. The targets run it, never go run: go run
# reports any non-zero exit status of the program as its own status 1
# (printing "exit status 2"), which would hide dst's 2 (bad input), 3
# (could not run) and 130 (interrupted) from a script or a CI step. The
# go build cache makes a rebuild of unchanged sources take about a second.
dst:
	go build -o bin/dst ./cmd/dst

# bin/detlint, the determinism rules of internal/detcheck as a go vet
# tool: go vet -vettool=bin/detlint ./... judges the files that a
# //dst:simulated directive marks as running inside the simulator (the
# model packages and the workloads' test files here; any module's code
# elsewhere). go doc ./cmd/detlint is its manual.
detlint:
	go build -o bin/detlint ./cmd/detlint

# The test command CI runs (.ci/run): gofmt, vet, detlint, the API
# check, every test, then under the race detector the kernel, its
# primitives, the model's packages and the real-mode cluster (the
# simulated cluster tests are single-threaded by construction and slow
# under -race). 9 min 45 s on 2 loaded cores (README).
test: lint
	go test -count=1 ./...
	go test -count=1 -race ./sim ./clock ./session ./collector ./network ./eventservice ./coordinator
	go test -count=1 -race -run 'TestRealMode|TestSteady' ./cluster

# The main job: a seed sweep of every workload but the examples
# (TestExample*) from a fresh random seed for about a minute, over one
# process per core, every seed run twice to check determinism. Prints a
# summary per workload and, for each failing seed, its kind and the one
# line that replays it.
run: dst
	bin/dst run $(if $(START),--seed-start $(START),) $(DSTFLAGS)

# The nightly sweep: NIGHTLY_TIME of random seeds (START=S fixes the
# start, which every shard of one sweep needs), every result in
# $(OUT)/nightly.jsonl as it finishes (resumable: bin/dst run
# --resume $(OUT)/nightly.jsonl), a JUnit report in $(OUT)/junit.xml.
# After the sweep it shrinks the configuration of up to three distinct
# failures (dst shrink: about 20-30 runs of the seed each) and prints
# their simpler replay lines.
nightly: dst
	mkdir -p $(OUT)
	bin/dst run $(if $(START),--seed-start $(START),--random) --time $(NIGHTLY_TIME) \
		--json $(OUT)/nightly.jsonl --junit $(OUT)/junit.xml --shrink 3 $(DSTFLAGS)

# Re-run one seed with its full text trace:
#   make replay TEST=TestSteady SEED=7
#   make replay PKG=./cluster TEST=TestModelUnderFaults SEED=31 HEAD=1
replay:
	go test -count=1 $(PKG) -run '^$(TEST)$$' -sim.seed=$(SEED) $(SIMFLAGS) -sim.trace -v

# Look for a simpler configuration under which a failing seed still
# fails the same way (dst shrink); SET='bug=f2-retry-removed ...' pins
# the settings it failed with. TEST names one workload (its name, or a
# regular expression matching exactly one whole name). With neither
# TEST nor SEED it shrinks the f2 canary's seed 7 (35 runs of it, 38 s
# measured on a loaded 2-core machine):
#   make shrink TEST=TestHeartbeat SEED=7 SET=bug=f2-retry-removed
#   make shrink PKG=./cluster TEST=TestModelUnderFaults SEED=42 HEAD=1
ifeq ($(origin TEST)$(origin SEED),filefile)
shrink: TEST = TestHeartbeat
shrink: SEED = 7
shrink: SET = bug=f2-retry-removed
endif
shrink: dst
	bin/dst shrink --pkg $(PKG) --workload '$(TEST)' --seed $(SEED) $(if $(HEAD),--set patch=,) \
		$(foreach p,$(SET),--set '$(p)')

# Benchmarks, six samples each, summarised by benchstat.
bench:
	mkdir -p $(OUT)
	go test -run '^$$' -bench . -benchmem -count 6 ./sim ./network | tee $(OUT)/bench.txt
	command -v benchstat >/dev/null || go install golang.org/x/perf/cmd/benchstat@latest
	benchstat $(OUT)/bench.txt

# The reference workload of issue 7 (3 nodes, 64 dispatchers, ten virtual
# minutes, the default faults, every checker) and its scaling in
# dispatchers, nodes and virtual time: bench/reference, BENCHMARKS.md
# "Reference workload, scaling and profile". One op is one whole run;
# six samples each, about 25 minutes on an idle core. REFBENCH narrows it
# (REFBENCH=Reference for the reference workload alone).
REFBENCH ?= .
.PHONY: reference
reference:
	mkdir -p $(OUT)
	go test -run '^$$' -bench '$(REFBENCH)' -benchtime 1x -count 6 -benchmem -timeout 0 ./bench/reference | tee $(OUT)/reference.txt
	command -v benchstat >/dev/null || go install golang.org/x/perf/cmd/benchstat@latest
	benchstat $(OUT)/reference.txt

# Fuzz every parser (go test -fuzz, one target at a time, FUZZTIME each,
# default 30s): -sim.set pins and the printed configuration block,
# -sim.seed, decision files, latency distributions, variant lists, the regression
# corpus, --shard specs, dst's two results files and the mutate
# equivalence file. FUZZ=REGEX narrows the targets (matched against
# pkg:Name). A failing input is written to the package's
# testdata/fuzz/FuzzX/, where plain go test re-runs it from then on; keep
# it with the fix. CI runs each for 20,000 inputs (.ci/run: a count, to
# dodge go1.26's fuzztime deadline race, golang/go#75804); the README's
# "Fuzzing" section says more.
FUZZTIME ?= 30s
FUZZ ?= .
FUZZ_TARGETS := sim:FuzzConfigPins sim:FuzzConfigSet sim:FuzzParseSeed sim:FuzzParseDecisions network:FuzzParseDist \
	variant:FuzzParse workloads:FuzzParseCorpus internal/dst:FuzzParseShard internal/dst:FuzzParseReport \
	internal/dst:FuzzParseMutateReport internal/mutate:FuzzParseEquivalent internal/mutate:FuzzMatchPlace
.PHONY: fuzz
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		echo "$$t" | grep -Eq -- '$(FUZZ)' || continue; \
		echo "== $$t ($(FUZZTIME))"; \
		go test ./$${t%%:*} -run '^$$' -fuzz "^$${t#*:}\$$" -fuzztime $(FUZZTIME) || exit 1; \
	done

# The public API (sim, clock, network) against the last release's
# snapshot in api/ (go tool apidiff; no git tag or network needed): an
# incompatible change fails. make apisnapshot VERSION=vX.Y.Z rewrites the
# snapshot on the commit to be tagged (README, "Releases and API
# stability"; go doc ./api).
.PHONY: apicheck apisnapshot
apicheck:
	api/check.sh

apisnapshot:
	@test -n "$(VERSION)" || { echo "make apisnapshot VERSION=vX.Y.Z"; exit 2; }
	api/check.sh -w $(VERSION)

lint: detlint apicheck
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	go vet ./...
	go vet -vettool=bin/detlint ./...
	go tool actionlint .github/workflows/*.yml
