// Package workload's non-test files carry no directive, so they are not
// judged; its external test files are (a_test.go holds the directive).
package workload

// Start is harness code outside the simulator.
func Start(f func()) {
	go f()
}
