package main

import (
	"golang.org/x/tools/go/analysis/unitchecker"

	"github.com/cdcsim/cdcsim/internal/detcheck"
)

func main() {
	unitchecker.Main(detcheck.Analyzer)
}
