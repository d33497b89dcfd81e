// Package sim is a planted package outside cdcsim's model: someone's own
// code that runs inside a deterministic simulator and says so with the
// directive below. Every line marked "bad" must be reported;
// cmd/detlint's test lists them.
//
//dst:simulated
package sim

import (
	"math/rand"
	"sync"
	"time"
)

var runs int // bad: package-state

type Node struct {
	mu    sync.Mutex // bad: sync-primitive
	peers map[string]int
}

func (n *Node) Step(send func(string)) {
	go send("hello")              // bad: go-statement
	if time.Now().Unix()%2 == 0 { // bad: wall-clock
		send("even")
	}
	for p := range n.peers { // bad: map-range
		send(p)
	}
	send(string(rune('a' + rand.Intn(26)))) // bad: global-rand
	for p := range n.peers {                //dst:allow map-range: counting, which no order changes
		_ = p
		runs++
	}
}
