// Command tool is ordinary Go outside the simulator: no directive, so
// its goroutine and wall clock are not judged.
package main

import (
	"fmt"
	"time"
)

func main() {
	done := make(chan time.Time)
	go func() { done <- time.Now() }()
	fmt.Println(<-done)
}
