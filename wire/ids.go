package wire

import (
	"fmt"

	"github.com/cdcsim/cdcsim/network"
)

// Ts is a TiDB timestamp (TSO): commitTs, startTs, resolvedTs,
// checkpointTs. In the model it is a plain counter that the upstream
// advances; only its order matters.
type Ts uint64

// ServerID is a node's ID: its collector's, its event service's (L for
// its own collector) and its network address.
type ServerID = network.NodeID

// DispatcherID identifies a dispatcher. A merged dispatcher gets a new ID.
type DispatcherID uint64

func (d DispatcherID) String() string { return fmt.Sprintf("d%d", uint64(d)) }

// ChangefeedID identifies a changefeed.
type ChangefeedID string

// Mode selects the default or the redo event stream of a dispatcher.
type Mode uint8

const (
	ModeDefault Mode = iota
	ModeRedo
)

// Span is a key range of one table. TableID 0 is the table-trigger span,
// which never asks the coordinator for remote services (PROTOCOL.md 1.6).
// Keys are integers in the model: only containment matters.
type Span struct {
	TableID  int64
	StartKey uint64
	EndKey   uint64 // exclusive
}

// Covers reports whether s contains o: same table, o's range inside s's.
func (s Span) Covers(o Span) bool {
	return s.TableID == o.TableID && s.StartKey <= o.StartKey && o.EndKey <= s.EndKey
}

func (s Span) String() string { return fmt.Sprintf("t%d[%d,%d)", s.TableID, s.StartKey, s.EndKey) }

// Streams of the network (see the package doc).
const (
	StreamCommand network.Stream = "command"
	StreamEvent   network.Stream = "event"
)
