// Package api holds the public API of cdcsim's last release, so that a
// change which would break a user's code is caught before it merges. It
// has no code of its own.
//
// # What is checked
//
// The packages a user's workload imports: sim (the kernel and the go test
// harness), clock (the runtime surface) and network (the simulated
// network and its faults). The model's packages (session, collector,
// eventservice, coordinator, cluster, wire, workloads) and the commands
// are the project's own and may change at any commit; internal/ cannot be
// imported from outside the module.
//
// # The snapshot
//
// api/PKG.x is the export data of each package at the release named in
// api/VERSION, written by golang.org/x/exp/cmd/apidiff -w (a tool of
// go.mod: go tool apidiff). It is checked in rather than read from the
// release's git tag because CI runs on a clean checkout that may have no
// tags and no network: the check needs only the module cache.
//
// # The check
//
// check.sh (make apicheck; make test runs it in its lint step) compares
// each package of the tree with its snapshot. apidiff sorts what changed
// into incompatible changes (a removed or renamed identifier, a changed
// signature or field type, a method added to an interface a user may
// implement) and compatible ones (additions). Any incompatible change
// fails the check and is printed; compatible ones are printed and pass.
// The tests here show the check failing on an exported function removed
// from clock (a build overlay, so the tree is not touched) and passing
// on one added.
//
// # A release
//
// On the commit to release: make apisnapshot VERSION=vX.Y.Z (check.sh -w
// rewrites the three .x files and api/VERSION), commit, then git tag
// vX.Y.Z on that commit. From then on the check compares with vX.Y.Z.
// The README's "Releases and API stability" section says the same for a
// reader of the repository.
package api
