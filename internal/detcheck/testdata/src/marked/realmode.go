//dst:file-allow go-statement,wall-clock: this file stands in for a real-mode runtime

package marked

import "time"

// background is allowed its goroutine and wall clock by the file-allow
// above, and nothing else: its map range is still reported.
func background(f func(), m map[int]bool) {
	go f()
	time.Sleep(time.Millisecond)
	for range m { // want `map-range`
	}
}
