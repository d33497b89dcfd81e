package detcheck

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"
)

// Every rule is reported where the want comments of testdata/src/marked
// say, with the rule's name first, and nowhere else: the look-alikes,
// the allowed lines and the file-allowed file stay quiet.
func TestAnalyzerReportsEveryRuleInMarkedPackage(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), Analyzer, "marked")
}

// A package without the directive is not judged at all, whatever it does.
func TestAnalyzerIgnoresUnmarkedPackage(t *testing.T) {
	for _, r := range analysistest.Run(t, analysistest.TestData(), Analyzer, "unmarked") {
		if len(r.Diagnostics) != 0 {
			t.Errorf("%s: %d diagnostics in an unmarked package", r.Pass.Pkg.Path(), len(r.Diagnostics))
		}
	}
}

// The directive marks a group of files: one in a test file covers every
// test file with its package clause (workload), one in a non-test file
// covers the non-test files and not the tests (harness).
func TestAnalyzerScopesByFileGroup(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), Analyzer, "workload", "harness")
}
