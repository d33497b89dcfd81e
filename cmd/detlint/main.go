package main

import (
	"golang.org/x/tools/go/analysis/unitchecker"

	"github.com/cdcsim/cdcsim/internal/detcheck"
)

// main hands control to unitchecker, which speaks go vet's protocol: go
// vet runs this binary once per package with a JSON description of it.
func main() {
	unitchecker.Main(detcheck.Analyzer)
}
