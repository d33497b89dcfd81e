package session

import (
	"fmt"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/variant"
	"github.com/cdcsim/cdcsim/wire"
)

// Target is the dispatcher as the collector sees it (PROTOCOL.md 1.1,
// TiCDC's dispatcher.DispatcherService). The session only reads it and
// hands it events; the dispatcher manager owns it.
type Target interface {
	ID() wire.DispatcherID
	ChangefeedID() wire.ChangefeedID
	Span() wire.Span
	Mode() wire.Mode
	// StartTs is sent in every REGISTER. It is mutable for merged
	// dispatchers (SetStartTs before CommitAddDispatcher is the target's
	// business), so the session reads it each time it builds a REGISTER.
	StartTs() wire.Ts
	// CheckpointTs is the sink checkpoint cp. It advances asynchronously
	// (sink tasks), and the session reads it at the moment it decides a
	// RESET and at each heartbeat report.
	CheckpointTs() wire.Ts
	// HandleEvents hands validated events to the sink. If it returns
	// true, the collector's path for this dispatcher stays blocked until
	// wake is called. The slice is borrowed for the call: the session and
	// the collector reuse it for the next batch, so a target copies what
	// it keeps (the events themselves are immutable and may be kept).
	HandleEvents(events []wire.Event, wake func()) (block bool)
}

// Config is what a Stat needs from the collector that owns it.
type Config struct {
	// Runtime provides the session's locks (requestMu, connState) and the
	// scheduling point between the two reads of a heartbeat report.
	Runtime clock.Runtime
	// LocalServerID is L: the collector's own node, whose event service is
	// local. It is also the ServerID of every request.
	LocalServerID wire.ServerID
	// Send enqueues req for sending to the event service on node to. It is
	// called with requestMu held, in the order the transitions decide, so
	// it must not block, do I/O or call back into the session (PROTOCOL.md
	// 1.3 sendMessage, 4.2).
	Send func(to wire.ServerID, req *wire.DispatcherRequest)
	// Variants selects bugs and patches (package variant); the zero value
	// is HEAD behaviour.
	Variants variant.Set
	// Trace, if not nil, receives one line per transition and per data
	// path decision, for the run's text trace. It must not block.
	Trace func(format string, args ...any)
	// Changed, if not nil, is called with the session's target each time
	// Stat.Version moves (a transition's entry and exit, each write of
	// the connection state), with the session's locks held: checkers use
	// it to look again at just the sessions that changed. It must not
	// block, yield or call into the session, and it changes nothing the
	// session does.
	Changed func(Target)
}

// validate fails before any state exists (etcd raft's Config habit).
func (c *Config) validate() error {
	if c.Runtime == nil {
		return fmt.Errorf("session: Config.Runtime is nil")
	}
	if c.LocalServerID == "" {
		return fmt.Errorf("session: Config.LocalServerID is empty")
	}
	if c.Send == nil {
		return fmt.Errorf("session: Config.Send is nil")
	}
	return nil
}

// Names of the variants this package implements (package variant). The
// other variants (f4-probe-during-merge, h3) live in the dispatcher manager
// and the event service.
const (
	bugRetryUnlocked = "f1-retry-unlocked"
	bugRetryRemoved  = "f2-retry-removed"
	bugCallbackKept  = "f3-callback-kept"
	patchRetryOnce   = "h1"
	patchCommitClear = "h4"
	patchStrayRemove = "h5"
)
