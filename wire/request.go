package wire

import "fmt"

// ActionType is a DispatcherRequest's action (eventpb.ActionType). 3 and
// 4 were PAUSE and RESUME, removed upstream and not modelled.
type ActionType int

const (
	ActionRegister ActionType = 1
	ActionRemove   ActionType = 2
	ActionReset    ActionType = 5
)

func (a ActionType) String() string {
	switch a {
	case ActionRegister:
		return "REGISTER"
	case ActionRemove:
		return "REMOVE"
	case ActionReset:
		return "RESET"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// DispatcherRequest is a collector's request to an event service
// (PROTOCOL.md 2.1), sent on StreamCommand.
type DispatcherRequest struct {
	ChangefeedID ChangefeedID
	DispatcherID DispatcherID
	Span         Span
	// ServerID is the sending collector's node (L): the event service
	// sends every event for this dispatcher there.
	ServerID ServerID
	Mode     Mode
	Action   ActionType
	// StartTs: REGISTER carries the dispatcher's startTs; RESET the resetTs
	// (the sink checkpoint at send time). Unused for REMOVE.
	StartTs Ts
	// OnlyReuse is true for a REGISTER to a remote service: succeed only by
	// reusing an existing subscription.
	OnlyReuse bool
	// Epoch is 0 for REGISTER, the newly advanced epoch for RESET.
	Epoch uint64

	// The changefeed options a REGISTER and a RESET carry and the event
	// service honours (TiCDC eventpb.DispatcherRequest; built by
	// downstreamadapter/eventcollector dispatcher_session.go
	// newDispatcherRegisterRequest / newDispatcherResetRequest). REMOVE
	// carries none of them.
	RequestOptions
}

// RequestOptions are the changefeed options in a REGISTER or RESET, with
// TiCDC's field names.
type RequestOptions struct {
	// EnableSyncPoint turns sync-point events on. SyncPointInterval is
	// their period in Ts units (the model's Ts counts milliseconds; TiCDC
	// sends whole seconds), and SyncPointTs the first one: the smallest
	// multiple of the interval at or above StartTs, or above it when the
	// sync point at StartTs is to be skipped (TiCDC
	// downstreamadapter/syncpoint CalculateStartSyncPointTs).
	EnableSyncPoint   bool
	SyncPointInterval Ts
	SyncPointTs       Ts
	// BdrMode is carried and stored; it changes nothing the model's event
	// service does (TiCDC's broker only passes it to the DDL filter).
	BdrMode bool
	// EnableIgnoreUpdateOnlyColumns asks the scanner's filter to drop
	// updates whose changed columns are all ignorable; the model's rows
	// have no columns, so it is carried and stored only (package
	// eventservice, "Request fields").
	EnableIgnoreUpdateOnlyColumns bool
	// LowLatencyMode is the changefeed's low-latency mode: a scan
	// trigger arriving while a scan runs is kept as one continuation
	// instead of dropped (TiCDC event_broker.go requestScan,
	// dispatcherScanRunningPending).
	LowLatencyMode bool
	// TxnAtomicity is the sink's transaction atomicity: "" or
	// AtomicityNone lets the event service split a large transaction
	// across events, AtomicityTable keeps each whole (TiCDC
	// pkg/config/sink.go ShouldSplitTxn; the default is none).
	TxnAtomicity TxnAtomicity
}

// TxnAtomicity is TiCDC's config.AtomicityLevel.
type TxnAtomicity string

const (
	AtomicityNone  TxnAtomicity = "none"
	AtomicityTable TxnAtomicity = "table"
)

// ShouldSplitTxn is TiCDC's AtomicityLevel.ShouldSplitTxn: unknown ("")
// means the default, none.
func (a TxnAtomicity) ShouldSplitTxn() bool { return a == "" || a == AtomicityNone }

func (r *DispatcherRequest) String() string {
	switch r.Action {
	case ActionRegister:
		return fmt.Sprintf("REGISTER(%s from %s, startTs=%d, onlyReuse=%t%s)", r.DispatcherID, r.ServerID, r.StartTs, r.OnlyReuse, r.RequestOptions.suffix())
	case ActionReset:
		return fmt.Sprintf("RESET(%s from %s, resetTs=%d, epoch=%d%s)", r.DispatcherID, r.ServerID, r.StartTs, r.Epoch, r.RequestOptions.suffix())
	}
	return fmt.Sprintf("%s(%s from %s)", r.Action, r.DispatcherID, r.ServerID)
}

// suffix renders the options that are not at their zero value, so a
// request without any prints as it did before they existed.
func (o RequestOptions) suffix() string {
	var s string
	if o.EnableSyncPoint {
		s += fmt.Sprintf(", syncPointTs=%d, syncPointInterval=%d", o.SyncPointTs, o.SyncPointInterval)
	}
	if o.LowLatencyMode {
		s += ", lowLatency"
	}
	if o.BdrMode {
		s += ", bdr"
	}
	if o.EnableIgnoreUpdateOnlyColumns {
		s += ", ignoreUpdateOnlyColumns"
	}
	if o.TxnAtomicity != "" {
		s += ", txnAtomicity=" + string(o.TxnAtomicity)
	}
	return s
}

// DispatcherProgress is one dispatcher's entry in a heartbeat.
type DispatcherProgress struct {
	DispatcherID DispatcherID
	CheckpointTs Ts
	Epoch        uint64
}

// DispatcherHeartbeat is the progress a collector reports to one event
// service every 10 s (v2: with epochs), on StreamCommand.
type DispatcherHeartbeat struct {
	From     ServerID
	Progress []DispatcherProgress
}

// DispatcherState is an event service's verdict on one dispatcher in a
// heartbeat response.
type DispatcherState uint8

const (
	StateNormal DispatcherState = iota
	StateRemoved
)

// DispatcherHeartbeatResponse answers a heartbeat (StreamCommand). Only
// Removed entries are ever produced (PROTOCOL.md 2.3).
type DispatcherHeartbeatResponse struct {
	From   ServerID
	States []DispatcherStateEntry
}

// DispatcherStateEntry is one dispatcher's state in a response.
type DispatcherStateEntry struct {
	DispatcherID DispatcherID
	State        DispatcherState
}

// CongestionControl grants an event service per-changefeed and
// per-dispatcher memory quota for scans sent to the collector From, every
// second (PROTOCOL.md 2.2, 3.6), on StreamCommand.
type CongestionControl struct {
	From        ServerID
	Changefeeds []ChangefeedQuota
}

// ChangefeedQuota is one changefeed's entry in CongestionControl.
type ChangefeedQuota struct {
	ChangefeedID       ChangefeedID
	Available          uint64
	UsageRatio         float64
	Dispatchers        []DispatcherQuota
	MemoryReleaseCount uint64
}

// DispatcherQuota is one dispatcher's available memory.
type DispatcherQuota struct {
	DispatcherID DispatcherID
	Available    uint64
}
