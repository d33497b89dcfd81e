#!/usr/bin/env bash
# bench/peers/run.sh: how much faster cdcsim finds the four canary bugs
# than two peers running the same model code (see doc.go).
#
# From the repository root:
#
#   bench/peers/run.sh                  # defaults below: about 20 minutes on the shared 2-core box
#   ATTEMPTS=3 CAP=30s bench/peers/run.sh
#   BUGS=f3-callback-kept TOOLS=cdcsim,stress bench/peers/run.sh
#
# Environment (all optional):
#   ATTEMPTS        attempts per bug and tool (default 5)
#   CAP             cap per attempt, a Go duration (default 30s)
#   REPLAYS         replays of each finding (default 5; a peer's replay is a fresh process each)
#   STRESS_SCALE    timing scale of the stress peer (default 0.02: the 10 s heartbeat is 200 ms)
#   SYNCTEST_SCALE  timing scale in the synctest bubble (default 1: virtual time, the simulated run's timing)
#   BUGS            comma-separated variants (default all four)
#   TOOLS           comma-separated, of cdcsim,cdcsim2,stress,synctest (default all)
#   OUT             directory for the table and the raw results (default out/peers)
#
# It builds the package's test binary twice (plain for cdcsim, -race for
# the peers), then runs TestPeersTable, which starts one TestHunt worker
# process per tool and attempt, one at a time, and writes OUT/table.md
# (also printed), OUT/hunts.jsonl (one line per attempt and replay) and
# OUT/log.txt (the workers' stderr: every failure that was not the bug's,
# every peer replay's outcome).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH=/usr/local/go/bin:$HOME/go/bin:$PATH GOFLAGS=${GOFLAGS:--buildvcs=false}
out=${OUT:-out/peers}
mkdir -p "$out"
out=$(cd "$out" && pwd)
go test -c -o "$out/peers.test" ./bench/peers
go test -race -c -o "$out/peers.race.test" ./bench/peers
cd bench/peers # go test runs a package in its directory
PEERS_TABLE=1 \
PEERS_RACE_BIN="$out/peers.race.test" \
PEERS_ATTEMPTS=${ATTEMPTS:-5} \
PEERS_CAP=${CAP:-30s} \
PEERS_REPLAYS=${REPLAYS:-5} \
PEERS_STRESS_SCALE=${STRESS_SCALE:-0.02} \
PEERS_SYNCTEST_SCALE=${SYNCTEST_SCALE:-1} \
PEERS_BUGS=${BUGS:-} \
PEERS_TOOLS=${TOOLS:-} \
PEERS_OUT="$out/table.md" \
PEERS_JSON="$out/hunts.jsonl" \
	"$out/peers.test" -test.run '^TestPeersTable$' -test.timeout=0 -test.v=false 2> >(tee "$out/log.txt" >&2)
