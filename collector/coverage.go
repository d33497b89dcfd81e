package collector

import (
	"errors"

	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/wire"
)

// Coverage points of the collector (clock.CoverFunc): a request put back
// at the tail of the send queue after a failed send (PROTOCOL.md 2.5),
// "collector/requeue/<REGISTER|RESET|REMOVE|heartbeat>/<congested|other>".
// A REGISTER requeued after "congested" is what lets later requests
// overtake it (4.3 race 3).
var requeuePoints = [4][2]string{ //dst:allow package-state: a read-only table
	{"collector/requeue/REGISTER/congested", "collector/requeue/REGISTER/other"},
	{"collector/requeue/RESET/congested", "collector/requeue/RESET/other"},
	{"collector/requeue/REMOVE/congested", "collector/requeue/REMOVE/other"},
	{"collector/requeue/heartbeat/congested", "collector/requeue/heartbeat/other"},
}

// coverRemoveUnknown records a RemoveDispatcher for a dispatcher the
// collector no longer has: a remove resent by the maintainer (TiCDC's
// dispatcher manager can send one twice) that lost the race with the
// first, "collector/remove/unknown".
func (c *EventCollector) coverRemoveUnknown() {
	if c.cover != nil {
		c.cover("collector/remove/unknown")
	}
}

// coverRequeue records that r goes back to the queue after err.
func (c *EventCollector) coverRequeue(r request, err error) {
	if c.cover == nil {
		return
	}
	kind := 3
	if req, ok := r.msg.(*wire.DispatcherRequest); ok {
		switch req.Action {
		case wire.ActionRegister:
			kind = 0
		case wire.ActionReset:
			kind = 1
		case wire.ActionRemove:
			kind = 2
		}
	}
	why := 1
	if errors.Is(err, network.ErrCongested) {
		why = 0
	}
	c.cover(requeuePoints[kind][why])
}
