package sim

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test of the package ends with no goroutine left over: tasks are
// coroutines on goroutines, and a run must end all of them whether it
// passed, panicked, crashed nodes or ran out of budget.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
