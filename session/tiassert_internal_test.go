package session

import (
	"testing"

	"github.com/cdcsim/cdcsim/internal/tiassert"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// These two TiCDC assertions guard states that the Stat's API cannot
// reach (NewStat installs the epoch record; the handshake, which must
// come first in every epoch, sets the table info), so the tests build
// the state by hand.

type bareTarget struct{}

func (bareTarget) ID() wire.DispatcherID                      { return 7 }
func (bareTarget) ChangefeedID() wire.ChangefeedID            { return "cf" }
func (bareTarget) Span() wire.Span                            { return wire.Span{TableID: 1, EndKey: 100} }
func (bareTarget) Mode() wire.Mode                            { return wire.ModeDefault }
func (bareTarget) StartTs() wire.Ts                           { return 100 }
func (bareTarget) CheckpointTs() wire.Ts                      { return 100 }
func (bareTarget) HandleEvents(_ []wire.Event, _ func()) bool { return false }

func TestEpochStateNotInitialisedPanicsAsTiCDCDoes(t *testing.T) {
	s := &Stat{target: bareTarget{}}
	require.PanicsWithValue(t, tiassert.Prefix+"dispatcher epoch state is not initialized "+
		"(downstreamadapter/eventcollector/dispatcher_stat.go:loadCurrentEpochState): dispatcher d7, changefeed cf",
		func() { s.loadCurrentEpochState() })
}

// A batch DML of the current epoch, in sequence, with no table info:
// TiCDC cannot assemble its rows and panics.
func TestBatchDMLBeforeTableInfoPanicsAsTiCDCDoes(t *testing.T) {
	s := &Stat{target: bareTarget{}, session: &dispatcherSession{target: bareTarget{}}}
	st := newDispatcherEpochState(1, 0, 100)
	st.lastEventSeq.Store(1)
	s.currentEpoch.Store(st)
	b := &wire.BatchDMLEvent{DispatcherID: 7, DMLs: []wire.DMLEvent{{DispatcherID: 7, Epoch: 1, Seq: 2, CommitTs: 110, StartTs: 109}}}
	require.PanicsWithValue(t, tiassert.Prefix+"should not happen: table info should be set before batch DML event "+
		"(downstreamadapter/eventcollector/dispatcher_stat.go:handleBatchDataEvents): "+b.String()+" for dispatcher d7",
		func() { s.handleBatchDataEvents("n1", []wire.Event{b}, func() {}) })
}
