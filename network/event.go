package network

import (
	"fmt"

	"github.com/cdcsim/cdcsim/clock"
)

// EventKind says what happened to a message or to the network's rules.
type EventKind uint8

// The kinds of Event. Send, Deliver and the losses at delivery time were
// never lines of the text trace (a run would print a line per message);
// Drop, Dup, Rule, Heal and Down were, and Event.Text gives their line.
const (
	EvSend     EventKind = iota + 1 // queued on its link, due at At
	EvDup                           // a second copy of a sent message queued, due at At
	EvDrop                          // lost at random when sent
	EvCut                           // lost to a partition (at send or at delivery)
	EvLostDown                      // lost: the receiver was down or restarted
	EvDeliver                       // put in the receiver's inbox
	EvNoStream                      // the receiver never attached the stream
	EvRule                          // a partition or clog rule was installed
	EvHeal                          // every rule removed, faults off
	EvDown                          // a node was marked down
)

func (k EventKind) String() string {
	switch k {
	case EvSend:
		return "send"
	case EvDup:
		return "dup"
	case EvDrop:
		return "drop"
	case EvCut:
		return "cut"
	case EvLostDown:
		return "lost-down"
	case EvDeliver:
		return "deliver"
	case EvNoStream:
		return "no-stream"
	case EvRule:
		return "rule"
	case EvHeal:
		return "heal"
	case EvDown:
		return "down"
	}
	return fmt.Sprintf("event(%d)", k)
}

// Event is one thing the simulated network did, in structured form, for
// an observer that renders a timeline: message arrows need the ID of each
// send and delivery, partitions and clogs need their rules. Observing
// changes nothing the network decides.
type Event struct {
	Kind EventKind
	// Env is the message, for the message kinds.
	Env Envelope
	// At is the delivery time a send or duplicate was given.
	At clock.Time
	// Rule is the installed rule, for EvRule.
	Rule Rule
	// Node is the node marked down, for EvDown.
	Node NodeID
}

// Text is the event's line in the text trace, or "" for the kinds the
// text trace never showed.
func (e Event) Text() string {
	switch e.Kind {
	case EvDrop:
		return fmt.Sprintf("net drop %v", e.Env)
	case EvDup:
		return fmt.Sprintf("net dup %v", e.Env)
	case EvRule:
		return fmt.Sprintf("net rule %s", e.Rule)
	case EvHeal:
		return "net heal"
	case EvDown:
		return fmt.Sprintf("net down %s", e.Node)
	}
	return ""
}

// Observe sends every event to f from now on (nil: none). With an
// observer set, the trace function given to NewSim is not called: the
// observer receives the events behind those lines (Event.Text) and
// renders them itself. Callers build an Event only when s.observed(), so
// an unobserved network formats and boxes nothing.
func (s *Sim) Observe(f func(Event)) { s.observe = f }

func (s *Sim) observed() bool { return s.observe != nil || s.trace != nil }

// emit hands e to the observer, or its text line to the trace function.
func (s *Sim) emit(e Event) {
	if s.observe != nil {
		s.observe(e)
		return
	}
	if t := e.Text(); t != "" && s.trace != nil {
		s.trace("%s", t)
	}
}
