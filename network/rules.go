package network

import (
	"fmt"
	"math"

	"github.com/cdcsim/cdcsim/clock"
)

// Rule is a standing fault on the network: a value that says which
// messages it affects and prints itself for the configuration block and
// the trace. Rules are checked when a message is sent and again when it is
// due for delivery, so a partition cuts off messages already in flight,
// and a clog holds a link's queue until it lifts.
type Rule interface {
	// Blocks reports whether the rule stops a message from -> to at now.
	Blocks(from, to NodeID, now clock.Time) bool
	// Holds returns the time until which delivery from -> to is held back,
	// 0 if it is not held, or Forever if it is held until Heal.
	Holds(from, to NodeID, now clock.Time) clock.Time
	// Expired reports whether the rule no longer applies at now.
	Expired(now clock.Time) bool
	String() string
}

// Until is the end of a rule; 0 means until Heal.
type Until clock.Time

// Forever is what Holds returns for a link held until Heal.
const Forever = clock.Time(math.MaxInt64)

func (u Until) expired(now clock.Time) bool { return u != 0 && now >= clock.Time(u) }

func (u Until) String() string {
	if u == 0 {
		return "until heal"
	}
	return "until " + clock.Time(u).String()
}

// Cut is a one-way partition: nothing from From reaches To. Partition(a,
// b) is two cuts.
type Cut struct {
	From, To NodeID
	End      Until
}

func (c Cut) Blocks(from, to NodeID, now clock.Time) bool {
	return from == c.From && to == c.To && !c.End.expired(now)
}
func (c Cut) Holds(NodeID, NodeID, clock.Time) clock.Time { return 0 }
func (c Cut) Expired(now clock.Time) bool                 { return c.End.expired(now) }
func (c Cut) String() string                              { return fmt.Sprintf("cut(%s->%s, %s)", c.From, c.To, c.End) }

// Clog holds every message to or from Node until End: the node stops
// delivering and receiving for a while, then its queues drain in order.
type Clog struct {
	Node NodeID
	End  Until
}

func (c Clog) Blocks(NodeID, NodeID, clock.Time) bool { return false }
func (c Clog) Holds(from, to NodeID, now clock.Time) clock.Time {
	switch {
	case from != c.Node && to != c.Node || c.End.expired(now):
		return 0
	case c.End == 0:
		return Forever // until Heal: an End of 0 must not read as "not held"
	}
	return clock.Time(c.End)
}
func (c Clog) Expired(now clock.Time) bool { return c.End.expired(now) }
func (c Clog) String() string              { return fmt.Sprintf("clog(%s, %s)", c.Node, c.End) }
