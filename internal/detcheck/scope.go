package detcheck

import (
	"go/ast"
	"strings"
)

// The scope directive. The analyzer judges only code that says it runs
// inside the simulator; everything else (a command, the real-mode
// runtime, a tool) is ordinary Go and free to use goroutines and the wall
// clock.
const simulatedDirective = "dst:simulated"

// scopeKey names one group of files that a scope directive covers: the
// non-test files of a package, its in-package test files, or its external
// test package's files. They are the groups a test author thinks in, and
// each is visible whole in one unit that go vet hands the analyzer.
type scopeKey struct {
	test bool   // the files end in _test.go
	pkg  string // the name in their package clause
}

func keyOf(filename string, f *ast.File) scopeKey {
	return scopeKey{test: strings.HasSuffix(filename, "_test.go"), pkg: f.Name.Name}
}

// isSimulatedDirective reports whether text, a comment's text including
// its "//", is the scope directive: "//dst:simulated" or
// "// dst:simulated", alone or followed by a colon and free text (a
// reason). Anything else after the word makes the comment prose, so a
// doc comment whose line happens to start with "dst:simulated directive"
// marks nothing; so does a comment that mentions the directive further in.
func isSimulatedDirective(text string) bool {
	body, ok := strings.CutPrefix(text, "//")
	if !ok {
		return false
	}
	rest, ok := strings.CutPrefix(strings.TrimLeft(body, " \t"), simulatedDirective)
	rest = strings.TrimRight(rest, " \t")
	return ok && (rest == "" || rest[0] == ':')
}

// hasSimulatedDirective reports whether any line comment of f is the
// scope directive. Its place in the file does not matter (by convention
// it sits above the package clause of doc.go): a directive that counted
// only in one place would let a misplaced one silently check nothing.
func hasSimulatedDirective(f *ast.File) bool {
	for _, group := range f.Comments {
		for _, c := range group.List {
			if isSimulatedDirective(c.Text) {
				return true
			}
		}
	}
	return false
}

// simulatedFiles returns the indexes of the files, among those of one
// analysis unit, that are inside the simulator: every file whose group
// (scopeKey) has at least one file with the scope directive.
func simulatedFiles(names []string, files []*ast.File) []int {
	marked := make(map[scopeKey]bool)
	for i, f := range files {
		if hasSimulatedDirective(f) {
			marked[keyOf(names[i], f)] = true
		}
	}
	var in []int
	for i, f := range files {
		if marked[keyOf(names[i], f)] {
			in = append(in, i)
		}
	}
	return in
}
