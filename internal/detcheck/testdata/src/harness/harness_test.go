package harness

import (
	"testing"
	"time"
)

func TestStep(t *testing.T) {
	began := time.Now()
	go Step(nil)
	t.Log(time.Since(began))
}
