package network

import (
	"errors"
	"fmt"

	"github.com/cdcsim/cdcsim/clock"
)

// NodeID names a node on the network. It is the node's name in the
// simulator and TiCDC's server ID in the model.
type NodeID string

// Stream names one ordered channel between two nodes. Messages on one
// (from, to, stream) are delivered in the order they were sent when only
// delay and partition faults are on; different streams and different links
// may overtake each other, as TiCDC's event and command streams do.
type Stream string

// Envelope is a message in flight or delivered. Msg is an immutable value:
// the network never copies or changes it, and the receiver must not change
// it either, because duplication delivers the same value twice.
type Envelope struct {
	From, To NodeID
	Stream   Stream
	Msg      any
	// ID numbers sends network-wide, in send order; a duplicate carries the
	// ID of its original.
	ID uint64
}

func (e Envelope) String() string {
	return fmt.Sprintf("#%d %s->%s/%s %v", e.ID, e.From, e.To, e.Stream, e.Msg)
}

// Synchronous send errors. A send that fails returns one of these
// (wrapped with detail; test with errors.Is) and the message is not sent,
// as TiCDC's message center fails a send at once when a stream is
// congested or not connected, which is what exercises the collector's
// tail requeue and retry quotas (PROTOCOL.md 2.5).
var (
	ErrCongested   = errors.New("congested")
	ErrNotReady    = errors.New("stream not ready")
	ErrUnreachable = errors.New("unreachable")
)

// SendError is a synchronous send failure: Err is ErrCongested,
// ErrNotReady or ErrUnreachable, so errors.Is(err, ErrCongested) works.
// The simulated network keeps one per link and reason and returns it
// again, so failing sends, which a congested run makes by the thousand,
// allocate nothing.
type SendError struct {
	From, To NodeID
	Stream   Stream
	Err      error
	Detail   string
}

func (e *SendError) Error() string {
	s := fmt.Sprintf("send %s->%s/%s: %v", e.From, e.To, e.Stream, e.Err)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *SendError) Unwrap() error { return e.Err }

// Endpoint is one node's attachment to a network.
type Endpoint interface {
	// ID returns the node this endpoint belongs to.
	ID() NodeID
	// Send queues msg to node to on stream. It never blocks. A non-nil error
	// means msg was not sent; nil means it was accepted, not that it will
	// arrive.
	Send(to NodeID, stream Stream, msg any) error
	// Inbox returns the mailbox in which messages on stream arrive.
	Inbox(stream Stream) *clock.Mailbox[Envelope]
}

// Network attaches nodes. Attaching a node again (after a restart) gives it
// fresh inboxes; messages sent to its previous incarnation are lost.
type Network interface {
	Attach(id NodeID, streams ...Stream) Endpoint
}
