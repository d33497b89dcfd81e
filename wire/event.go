package wire

import "fmt"

// Event is a message from an event service to a collector about one
// dispatcher, on StreamEvent (PROTOCOL.md 2.3), or the collector-made
// DropEvent.
type Event interface {
	Dispatcher() DispatcherID
	String() string
}

// ReadyEvent: registered, send RESET to start. Sent only while the
// server's record has epoch 0, resent with back-off. No epoch, no seq.
type ReadyEvent struct{ DispatcherID DispatcherID }

// NotReusableEvent answers a REGISTER the event store could not satisfy.
type NotReusableEvent struct{ DispatcherID DispatcherID }

// HandshakeEvent is the first event of every epoch > 0: Seq = 1,
// ResolvedTs = the record's startTs.
type HandshakeEvent struct {
	DispatcherID     DispatcherID
	Epoch            uint64
	Seq              uint64
	ResolvedTs       Ts
	TableInfoVersion uint64
}

// DMLEvent is one transaction's row changes.
type DMLEvent struct {
	DispatcherID DispatcherID
	Epoch        uint64
	Seq          uint64
	CommitTs     Ts
	StartTs      Ts
	// Rows are the model's row IDs, so checkers can match what reaches the
	// sink with what the upstream committed.
	Rows []uint64
}

// BatchDMLEvent carries several DMLs with consecutive seqs.
type BatchDMLEvent struct {
	DispatcherID DispatcherID
	DMLs         []DMLEvent
}

// DDLEvent is a schema change at FinishedTs.
type DDLEvent struct {
	DispatcherID     DispatcherID
	Epoch            uint64
	Seq              uint64
	FinishedTs       Ts
	TableInfoVersion uint64
}

// SyncPointEvent marks a sync point at CommitTs.
type SyncPointEvent struct {
	DispatcherID DispatcherID
	Epoch        uint64
	Seq          uint64
	CommitTs     Ts
}

// ResolvedEvent says no more data at or below ResolvedTs; Seq is the seq
// of the last data event of the epoch (it does not advance the seq).
type ResolvedEvent struct {
	DispatcherID DispatcherID
	Epoch        uint64
	Seq          uint64
	ResolvedTs   Ts
}

// BatchResolvedEvent groups resolved events for one collector; it is
// flushed before any other message to the same collector and every 25 ms,
// so its order relative to data is kept.
type BatchResolvedEvent struct{ Events []ResolvedEvent }

// DropEvent is made by the collector's event path when memory control
// drops a droppable event (PROTOCOL.md 2.5); it goes down the same path.
type DropEvent struct {
	DispatcherID    DispatcherID
	DroppedSeq      uint64
	DroppedEpoch    uint64
	DroppedCommitTs Ts
}

func (e *ReadyEvent) Dispatcher() DispatcherID       { return e.DispatcherID }
func (e *NotReusableEvent) Dispatcher() DispatcherID { return e.DispatcherID }
func (e *HandshakeEvent) Dispatcher() DispatcherID   { return e.DispatcherID }
func (e *DMLEvent) Dispatcher() DispatcherID         { return e.DispatcherID }
func (e *BatchDMLEvent) Dispatcher() DispatcherID    { return e.DispatcherID }
func (e *DDLEvent) Dispatcher() DispatcherID         { return e.DispatcherID }
func (e *SyncPointEvent) Dispatcher() DispatcherID   { return e.DispatcherID }
func (e *ResolvedEvent) Dispatcher() DispatcherID    { return e.DispatcherID }
func (e *DropEvent) Dispatcher() DispatcherID        { return e.DispatcherID }

func (e *ReadyEvent) String() string       { return fmt.Sprintf("Ready(%s)", e.DispatcherID) }
func (e *NotReusableEvent) String() string { return fmt.Sprintf("NotReusable(%s)", e.DispatcherID) }
func (e *HandshakeEvent) String() string {
	return fmt.Sprintf("Handshake(%s e%d seq=%d ts=%d)", e.DispatcherID, e.Epoch, e.Seq, e.ResolvedTs)
}
func (e *DMLEvent) String() string {
	return fmt.Sprintf("DML(%s e%d seq=%d commitTs=%d)", e.DispatcherID, e.Epoch, e.Seq, e.CommitTs)
}
func (e *BatchDMLEvent) String() string {
	return fmt.Sprintf("BatchDML(%s, %d DMLs)", e.DispatcherID, len(e.DMLs))
}
func (e *DDLEvent) String() string {
	return fmt.Sprintf("DDL(%s e%d seq=%d ts=%d)", e.DispatcherID, e.Epoch, e.Seq, e.FinishedTs)
}
func (e *SyncPointEvent) String() string {
	return fmt.Sprintf("SyncPoint(%s e%d seq=%d ts=%d)", e.DispatcherID, e.Epoch, e.Seq, e.CommitTs)
}
func (e *ResolvedEvent) String() string {
	return fmt.Sprintf("Resolved(%s e%d seq=%d ts=%d)", e.DispatcherID, e.Epoch, e.Seq, e.ResolvedTs)
}
func (e *DropEvent) String() string {
	return fmt.Sprintf("Drop(%s e%d seq=%d commitTs=%d)", e.DispatcherID, e.DroppedEpoch, e.DroppedSeq, e.DroppedCommitTs)
}
