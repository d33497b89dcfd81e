package detcheck

import (
	"golang.org/x/tools/go/analysis"
)

// Analyzer is the determinism rules as a go/analysis analyzer, the one
// that cmd/detlint runs under go vet:
//
//	go build -o bin/detlint ./cmd/detlint
//	go vet -vettool=bin/detlint ./...
//
// It judges only the files that a dst:simulated directive puts inside the
// simulator (the package documentation, "Scope"), applies the same rules
// and allow comments as CheckDir, and reports each violation as a
// diagnostic whose category is the rule and whose message starts with it.
// It has no typecheck rule: the analysis driver refuses a package that
// does not type-check before any analyzer runs.
var Analyzer = &analysis.Analyzer{
	Name: "detlint",
	Doc:  analyzerDoc,
	URL:  "https://pkg.go.dev/github.com/cdcsim/cdcsim/internal/detcheck",
	Run:  run,
}

const analyzerDoc = `check code inside a deterministic simulator for nondeterminism

detlint reports go statements, wall-clock calls, global and crypto
randomness, sync locks, multi-case selects, map ranges and package-level
vars in the files a //dst:simulated directive marks as running inside the
simulator (a directive in a non-test file marks the package's non-test
files; one in a _test.go file marks the test files of its package clause).
A reviewed exception is written "//dst:allow <rule>: <reason>" on or above
the line, or "//dst:file-allow <rule>: <reason>" above the package clause.`

// run judges the simulated files of one unit. A file's bytes come from
// pass.ReadFile, which tells a comment that trails code from one that
// stands alone, as the allow comments need.
func run(pass *analysis.Pass) (any, error) {
	names := make([]string, len(pass.Files))
	for i, f := range pass.Files {
		names[i] = pass.Fset.File(f.Pos()).Name()
	}
	for _, i := range simulatedFiles(names, pass.Files) {
		src, err := pass.ReadFile(names[i])
		if err != nil {
			return nil, err
		}
		vs := checkFile(pass.Fset, pass.TypesInfo, sourceFile{ast: pass.Files[i], src: src})
		sortViolations(vs) // the driver prints in report order
		for _, v := range vs {
			pass.Report(analysis.Diagnostic{
				Pos:      v.at,
				Category: v.Rule,
				Message:  v.Rule + ": " + v.Message,
			})
		}
	}
	return nil, nil
}
