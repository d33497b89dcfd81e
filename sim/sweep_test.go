package sim

import "testing"

// TestSweep is the kernel's own workload: the task-heavy program of the
// determinism meta-tests run through the harness, so every -sim.* flag
// applies. `make run` sweeps it with random seeds and -sim.recheck until
// the model's workloads exist.
func TestSweep(t *testing.T) {
	Test(t, busyProgram, Seeds(50))
}
