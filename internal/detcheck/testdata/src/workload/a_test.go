//dst:simulated: the workloads of this package run inside the simulator

package workload_test

import "testing"

func TestSpawns(t *testing.T) {
	done := make(chan bool)
	go func() { done <- true }() // want `go-statement`
	<-done
}
