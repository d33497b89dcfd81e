package wire

// ReusableEventServiceRequest asks the log coordinator which remote event
// services could serve a dispatcher's span from StartTs (PROTOCOL.md 2.4).
type ReusableEventServiceRequest struct {
	From    ServerID
	ID      DispatcherID
	Span    Span
	StartTs Ts
}

// ReusableEventServiceResponse lists candidate nodes, best first; empty is
// a valid answer, which the collector ignores. Sent on StreamEvent.
type ReusableEventServiceResponse struct {
	ID    DispatcherID
	Nodes []ServerID
}

// LogCoordinatorBroadcast tells every node where the log coordinator is,
// every second.
type LogCoordinatorBroadcast struct{ CoordinatorID ServerID }

// EventStoreState is one node's event-store subscriptions, uploaded to the
// log coordinator every 10 s (PROTOCOL.md 1.8).
type EventStoreState struct {
	From          ServerID
	Subscriptions []Subscription
}

// Subscription is one event-store subscription. It has finished its
// initial scan when CheckpointTs < ResolvedTs.
type Subscription struct {
	Span         Span
	CheckpointTs Ts
	ResolvedTs   Ts
}
