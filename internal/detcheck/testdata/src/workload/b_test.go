package workload_test

import (
	"testing"
	"time"
)

// The directive in a_test.go covers this file too: it marks every file
// with the same package clause among the test files.
func TestReadsClock(t *testing.T) {
	if time.Since(time.Time{}) < 0 { // want `wall-clock: time.Since`
		t.Fatal("time ran backwards")
	}
}
