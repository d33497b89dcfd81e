package session

// TiCDC's unit tests of the request builders at b813e76f9
// (downstreamadapter/eventcollector/dispatcher_stat_test.go,
// newDispatcherRegisterRequest and newDispatcherResetRequest),
// re-expressed against requestOptions (options.go), which fills the
// changefeed options of the model's REGISTER and RESET. One test per
// TiCDC case, named TestTiCDC<its name>.

import (
	"testing"

	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// optionsTarget is a bare target whose changefeed has options.
type optionsTarget struct {
	bareTarget
	startTs wire.Ts
	opts    wire.RequestOptions
	skip    bool
}

func (o optionsTarget) StartTs() wire.Ts                    { return o.startTs }
func (o optionsTarget) RequestOptions() wire.RequestOptions { return o.opts }
func (o optionsTarget) SkipSyncpointAtStartTs() bool        { return o.skip }

// TiCDC: downstreamadapter/eventcollector/dispatcher_stat_test.go
// TestNewDispatcherResetRequest.
//
// A RESET's first sync point is computed from its resetTs: at a resetTs
// equal to the start ts, on the cadence, the skip flag decides between
// that sync point and the next; at any other resetTs on the cadence the
// flag is ignored and the sync point at resetTs is asked for.
func TestTiCDCNewDispatcherResetRequest(t *testing.T) {
	const interval = wire.Ts(10_000) // 10 s of the model's millisecond ts
	startTs, next := 1000*interval, 1001*interval
	for _, c := range []struct {
		name          string
		resetTs       wire.Ts
		skip          bool
		wantSyncPoint wire.Ts
	}{
		{"reset at startTs, skip", startTs, true, next},
		{"reset at startTs, no skip", startTs, false, startTs},
		{"reset at the next sync point, skip", next, true, next},
		{"reset at the next sync point, no skip", next, false, next},
	} {
		t.Run(c.name, func(t *testing.T) {
			target := optionsTarget{startTs: startTs, skip: c.skip,
				opts: wire.RequestOptions{EnableSyncPoint: true, SyncPointInterval: interval}}
			o := requestOptions(target, c.resetTs, true)
			require.True(t, o.EnableSyncPoint)
			require.Equal(t, interval, o.SyncPointInterval)
			require.Equal(t, c.wantSyncPoint, o.SyncPointTs)
		})
	}
}

// TiCDC: downstreamadapter/eventcollector/dispatcher_stat_test.go
// TestDispatcherRequestsCarryLowLatencyMode.
//
// Both the REGISTER and the RESET carry the changefeed's low-latency
// mode.
func TestTiCDCDispatcherRequestsCarryLowLatencyMode(t *testing.T) {
	target := optionsTarget{startTs: 100, opts: wire.RequestOptions{LowLatencyMode: true}}
	require.True(t, requestOptions(target, 100, false).LowLatencyMode, "REGISTER")
	require.True(t, requestOptions(target, 100, true).LowLatencyMode, "RESET")
	require.False(t, requestOptions(bareTarget{}, 100, false).LowLatencyMode, "a target without options sends none")
}

// The first sync point of TiCDC's CalculateStartSyncPointTs: rounded up
// to the cadence, skipped at a start on the cadence only when asked, and
// none without an interval.
func TestCalculateStartSyncPointTs(t *testing.T) {
	require.Equal(t, wire.Ts(2000), CalculateStartSyncPointTs(1001, 1000, false))
	require.Equal(t, wire.Ts(2000), CalculateStartSyncPointTs(1001, 1000, true))
	require.Equal(t, wire.Ts(1000), CalculateStartSyncPointTs(1000, 1000, false))
	require.Equal(t, wire.Ts(2000), CalculateStartSyncPointTs(1000, 1000, true))
	require.Zero(t, CalculateStartSyncPointTs(1000, 0, true))
}
