// Command dst sweeps, replays and reports cdcsim's simulated workloads;
// see package internal/dst for the manual, or run dst help.
package main

import (
	"os"

	"github.com/cdcsim/cdcsim/internal/dst"
)

func main() { os.Exit(dst.Main(os.Args[1:], os.Stdout, os.Stderr)) }
