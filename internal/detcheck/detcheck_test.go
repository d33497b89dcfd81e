package detcheck

import (
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// modelPackages are the directories, relative to the module root, whose
// code runs inside the simulator and must follow the determinism rules
// (DESIGN.md, "Determinism rules"). A package that does not exist yet is
// skipped, so the list can name the whole model ahead of its code.
var modelPackages = []string{
	"clock",
	"session",
	"collector",
	"eventservice",
	"coordinator",
	"cluster",
	"network",
	"internal/tiassert",
	"workloads",
}

// simulatedTestGroups are the directories whose test files are workloads
// that run inside the simulator, so that go vet -vettool=bin/detlint
// judges them too: both the in-package and the external test files.
var simulatedTestGroups = []string{"workloads"}

// found renders vs as "file:line: rule", the part of a violation the
// planted-violation tests pin down; messages are free to improve.
func found(vs []Violation) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, fmt.Sprintf("%s:%d: %s", filepath.Base(v.Pos.Filename), v.Pos.Line, v.Rule))
	}
	slices.Sort(out)
	return out
}

func sorted(s ...string) []string {
	slices.Sort(s)
	return s
}

// testChecker is shared by the tests of the testdata packages, which
// import only the standard library, so that it is type-checked once. The
// tests do not run in parallel, as a Checker requires.
var testChecker = NewChecker()

func check(t *testing.T, dir string) []Violation {
	t.Helper()
	vs, err := testChecker.CheckDir(dir)
	require.NoError(t, err)
	for _, v := range vs {
		t.Log(v)
	}
	return vs
}

// Every rule is caught once where it is planted, and none of the allowed
// look-alikes beside it (time.Duration, rand.New, a one-case select, a
// map range with an allow comment, sync/atomic) is flagged.
func TestPlantedViolationsAreFoundExactly(t *testing.T) {
	want := sorted(
		"bad.go:7: crypto-rand",
		"bad.go:15: package-state",
		"bad.go:22: sync-primitive",
		"bad.go:28: go-statement",
		"bad.go:33: wall-clock",
		"bad.go:38: global-rand",
		"bad.go:51: select",
		"bad.go:67: map-range",
		"bad.go:74: allow-without-reason",
		"bad.go:76: allow-unknown-rule",
	)
	require.Equal(t, want, found(check(t, "testdata/bad")))
}

// The planted package covers every rule except typecheck, which cannot be
// planted in a package that type-checks.
func TestPlantedViolationsCoverEveryRule(t *testing.T) {
	vs := check(t, "testdata/bad")
	rules := []string{ruleTypecheck}
	for _, v := range vs {
		rules = append(rules, v.Rule)
	}
	slices.Sort(rules)
	all := append(slices.Clone(allowableRules), ruleTypecheck, ruleAllowReason, ruleAllowUnknown)
	slices.Sort(all)
	require.Equal(t, all, rules)
}

func TestCleanPackageHasNoViolations(t *testing.T) {
	require.Empty(t, check(t, "testdata/good"))
}

// Names are resolved through types, not spelling: renamed and dot
// imports are caught, methods named like banned functions are not, and
// the allow comments apply exactly where they say.
func TestSubtleCases(t *testing.T) {
	want := sorted(
		"names.go:14: wall-clock", // tm.Now through a renamed import
		"names.go:15: wall-clock", // a func value, not a call
		"names.go:23: global-rand",
		"names.go:27: global-rand", // generic rand.N in v2
		"names.go:31: sync-primitive",
		"names.go:32: sync-primitive",
		"names.go:36: sync-primitive",
		"names.go:37: sync-primitive",
		"names.go:38: sync-primitive",
		"names.go:44: map-range", // a type parameter constrained to maps
		"names.go:47: map-range", // maps.Keys yields in map order
		"names.go:56: package-state",
		"names.go:56: package-state",
		"names.go:58: package-state", // Err name, but not errors.New
		"names.go:63: select",        // a default counts as a case
		"allows.go:9: package-state", // the file-allow follows the package clause
		"allows.go:13: wall-clock",   // dot import; the trailing allow above covers only its line
		"allows.go:17: go-statement", // allowed rule is select
		"allows.go:18: go-statement", // an allow without a reason allows nothing
		"allows.go:18: allow-without-reason",
		"allows.go:22: go-statement", // block comment
		"allows.go:24: go-statement", // prose
		"allows.go:25: allow-unknown-rule",
		"allows.go:27: allow-unknown-rule",
	)
	require.Equal(t, want, found(check(t, "testdata/subtle")))
}

// A package that does not type-check is reported, and the rules that need
// no types still run on it.
func TestTypeErrorIsReported(t *testing.T) {
	vs, err := CheckDir("testdata/typeerror")
	require.NoError(t, err)
	require.Equal(t, sorted("typeerror.go:6: typecheck", "typeerror.go:10: go-statement"), found(vs))
	require.Contains(t, vs[0].Message, "undefined")
}

func TestMissingDirectoryIsAnError(t *testing.T) {
	_, err := CheckDir("testdata/no-such-package")
	require.Error(t, err)
}

func TestViolationStringIsCompilerStyle(t *testing.T) {
	v := Violation{Pos: token.Position{Filename: "a/b.go", Line: 3, Column: 7}, Rule: "select", Message: "two cases"}
	require.Equal(t, "a/b.go:3:7: select: two cases", v.String())
}

func TestModelPackagesFollowRules(t *testing.T) {
	root := moduleRoot(t)
	var checked []string
	c := NewChecker()
	for _, pkg := range modelPackages {
		dir := filepath.Join(root, pkg)
		if _, err := os.Stat(dir); os.IsNotExist(err) {
			t.Logf("%s: skipped, it does not exist yet", pkg)
			continue
		}
		began := time.Now()
		vs, err := c.CheckDir(dir)
		require.NoError(t, err, pkg)
		for _, v := range vs {
			t.Errorf("%s", v)
		}
		t.Logf("%s: checked in %v, %d violations", pkg, time.Since(began).Round(time.Millisecond), len(vs))
		checked = append(checked, pkg)
	}
	t.Logf("checked packages: %v", checked)
	require.NotEmpty(t, checked, "no model package was found under %s", root)
}

// moduleRoot walks up from the working directory to the directory that
// holds go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "no go.mod above the working directory")
		dir = parent
	}
}

// Every model package carries the dst:simulated directive in a non-test
// file, and the workloads' test files in both their groups, so that the
// vet tool (cmd/detlint) judges at least what this test does, and a
// package dropped from the directive cannot go unjudged silently.
func TestModelPackagesAreMarkedSimulated(t *testing.T) {
	root := moduleRoot(t)
	for _, pkg := range modelPackages {
		groups := markedGroups(t, filepath.Join(root, pkg))
		require.True(t, groups[scopeKey{pkg: filepath.Base(pkg)}], "%s: no non-test file carries //dst:simulated", pkg)
	}
	for _, pkg := range simulatedTestGroups {
		groups := markedGroups(t, filepath.Join(root, pkg))
		name := filepath.Base(pkg)
		require.True(t, groups[scopeKey{test: true, pkg: name}], "%s: no in-package test file carries //dst:simulated", pkg)
		require.True(t, groups[scopeKey{test: true, pkg: name + "_test"}], "%s: no external test file carries //dst:simulated", pkg)
	}
}

// markedGroups parses the .go files of dir and returns the file groups
// in which some file carries the dst:simulated directive.
func markedGroups(t *testing.T, dir string) map[scopeKey]bool {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	require.NoError(t, err)
	fset := token.NewFileSet()
	groups := make(map[scopeKey]bool)
	for _, name := range names {
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		require.NoError(t, err)
		if hasSimulatedDirective(f) {
			groups[keyOf(name, f)] = true
		}
	}
	return groups
}
