// Package noworkload has tests but no workload (none calls sim.Test):
// --pkg pointing here is an input error for dst.
package noworkload

import "testing"

func TestPlain(t *testing.T) {}
