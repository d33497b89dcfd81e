#!/usr/bin/env bash
# api/check.sh: the public API of sim, clock and network against the
# last release's snapshot (api/PKG.x, the release named in api/VERSION).
#
#   api/check.sh               compare; exit 1 on an incompatible change
#   api/check.sh -w VERSION    write the snapshot of the tree as VERSION
#
# The comparison is golang.org/x/exp/cmd/apidiff (a tool of go.mod, so
# it builds from the module cache with no network and no git tag). It
# exits 0 whatever it finds, so this script reads its report: a line
# "Incompatible changes:" fails the check; compatible changes (additions)
# are printed and pass. go doc ./api is the manual.
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs="sim clock network"

if [ "${1:-}" = -w ]; then
	version="${2:?usage: api/check.sh -w VERSION (for example v0.1.0)}"
	for p in $pkgs; do
		# -trimpath: the snapshot names files by import path, not by the
		# directory of the checkout that wrote it.
		GOFLAGS="${GOFLAGS:-} -trimpath" go tool apidiff -w "api/$p.x" "./$p"
	done
	echo "$version" >api/VERSION
	echo "api: wrote the API of $pkgs as $version (api/*.x, api/VERSION)"
	exit 0
fi
[ $# -eq 0 ] || { echo "usage: api/check.sh [-w VERSION]" >&2; exit 2; }

version=$(cat api/VERSION)
fail=0
for p in $pkgs; do
	[ -f "api/$p.x" ] || { echo "api: api/$p.x is missing: write the snapshot with api/check.sh -w $version" >&2; exit 1; }
	out=$(go tool apidiff "api/$p.x" "./$p")
	[ -z "$out" ] && continue
	echo "api: $p against $version:"
	echo "$out" | sed 's/^/  /'
	case "$out" in *"Incompatible changes:"*) fail=1 ;; esac
done
if [ "$fail" = 1 ]; then
	echo "api: incompatible with $version (see above): keep the old API beside the new, or, for a deliberate break, say so in the release and snapshot it (README, Releases and API stability)" >&2
	exit 1
fi
echo "api: sim, clock and network are compatible with $version"
