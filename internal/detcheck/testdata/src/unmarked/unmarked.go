// Package unmarked has no dst:simulated directive: it is ordinary Go (a
// command, a real-mode runtime), which the analyzer does not judge. A
// comment that merely mentions dst:simulated is prose, not the directive.
package unmarked

import (
	"math/rand/v2"
	"sync"
	"time"
)

var started time.Time

var mu sync.Mutex

func serve(f func(), m map[string]int) int {
	go f()
	started = time.Now()
	mu.Lock()
	defer mu.Unlock()
	n := rand.IntN(10)
	for _, v := range m {
		n += v
	}
	return n
}
