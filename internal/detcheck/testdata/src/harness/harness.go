// Package harness's non-test files are inside the simulator; its test
// files are not, because no test file carries the directive.
//
//dst:simulated
package harness

// Step is simulated code.
func Step(m map[int]int) (n int) {
	for k := range m { // want `map-range`
		n += k
	}
	return n
}
