package session

import "github.com/cdcsim/cdcsim/wire"

// This file fills the changefeed options of REGISTER and RESET (TiCDC
// downstreamadapter/eventcollector dispatcher_session.go
// newDispatcherRegisterRequest and newDispatcherResetRequest).

// OptionsTarget is an optional extension of Target: a dispatcher whose
// changefeed sets sync points, low-latency mode or the other request
// options. A Target without it sends every option at its zero value.
type OptionsTarget interface {
	// RequestOptions returns the changefeed's options; its SyncPointTs is
	// ignored: the session computes it for each request.
	RequestOptions() wire.RequestOptions
	// SkipSyncpointAtStartTs says the sync point at exactly StartTs was
	// already written downstream (TiCDC's GetSkipSyncpointAtStartTs).
	SkipSyncpointAtStartTs() bool
}

// requestOptions is the options of a REGISTER (reset false, from startTs)
// or a RESET (from resetTs). As in TiCDC, a RESET skips the sync point
// at its resetTs only when resetTs is the dispatcher's startTs and the
// dispatcher skips that one: after a reset at runtime a repeated sync
// point is filtered by the collector's commitTs dedup instead.
func requestOptions(t Target, from wire.Ts, reset bool) wire.RequestOptions {
	ot, ok := t.(OptionsTarget)
	if !ok {
		return wire.RequestOptions{}
	}
	o := ot.RequestOptions()
	skip := ot.SkipSyncpointAtStartTs()
	if reset && from != t.StartTs() {
		skip = false
	}
	o.SyncPointTs = 0
	if o.EnableSyncPoint {
		o.SyncPointTs = CalculateStartSyncPointTs(from, o.SyncPointInterval, skip)
	}
	return o
}

// CalculateStartSyncPointTs is TiCDC's function of the same name
// (downstreamadapter/syncpoint sync_point.go): the first sync point of a
// stream that starts at startTs is the smallest multiple of interval at
// or above it; when startTs is itself a multiple and skip is set, the
// next one. Interval 0 means no sync points (0). TiCDC works on the
// physical part of a TSO and rounds up any logical part; the model's Ts
// has no logical part.
func CalculateStartSyncPointTs(startTs, interval wire.Ts, skip bool) wire.Ts {
	if interval == 0 {
		return 0
	}
	k := startTs / interval
	if startTs%interval != 0 || skip {
		k++
	}
	return k * interval
}
