package eventservice

import (
	"github.com/cdcsim/cdcsim/wire"
)

// This file is the progress side of the control plane (PROTOCOL.md 3.3,
// 3.6): heartbeats, congestion control and the periodic sweep. Each runs
// with the broker's mutex held.

// handleDispatcherHeartbeat applies one heartbeat from collector from:
// absent dispatchers are answered Removed, a record of another epoch
// ignores the entry (older: stale; newer: its RESET is not applied yet),
// a record of the same epoch raises its checkpoint and counts as alive.
// One response per heartbeat, only if something was absent; a failed send
// is only traced, as TiCDC only logs it.
func (c *eventBroker) handleDispatcherHeartbeat(from wire.ServerID, hb *wire.DispatcherHeartbeat) {
	now := c.rt.Now()
	var states []wire.DispatcherStateEntry
	for _, p := range hb.Progress {
		slot := c.getDispatcher(p.DispatcherID)
		if slot == nil {
			c.covered("eventservice/heartbeat/absent")
			states = append(states, wire.DispatcherStateEntry{DispatcherID: p.DispatcherID, State: wire.StateRemoved})
			continue
		}
		d := slot.stat
		if d.epoch != p.Epoch {
			c.covered("eventservice/heartbeat/epoch-mismatch")
			c.tracef("heartbeat %s epoch=%d cp=%d from %s: record epoch %d, ignored", p.DispatcherID, p.Epoch, p.CheckpointTs, from, d.epoch)
			continue
		}
		c.covered("eventservice/heartbeat/accepted")
		d.checkpointTs = max(d.checkpointTs, p.CheckpointTs)
		d.lastReceivedHeartbeatTime = now
	}
	if len(states) == 0 {
		return
	}
	resp := &wire.DispatcherHeartbeatResponse{From: c.cfg.Node, States: states}
	if err := c.cfg.Endpoint.Send(from, wire.StreamCommand, resp); err != nil {
		c.tracef("heartbeat response to %s (%d removed) not sent: %v", from, len(states), err)
		return
	}
	c.tracef("heartbeat response to %s: %d removed", from, len(states))
}

// handleCongestionControl records the quotas collector from grants: per
// changefeed (only for changefeeds this service knows) and per
// dispatcher. Scans for a collector are skipped until its changefeed
// quota is set.
func (c *eventBroker) handleCongestionControl(from wire.ServerID, m *wire.CongestionControl) {
	for _, cq := range m.Changefeeds {
		if st := c.changefeedMap[cq.ChangefeedID]; st != nil {
			st.availableMemoryQuota[from] = cq.Available
		}
		for _, dq := range cq.Dispatchers {
			if slot := c.dispatchers[dq.DispatcherID]; slot != nil {
				slot.stat.availableMemoryQuota = dq.Available
			}
		}
	}
}

// reportDispatcherStatToStore is the periodic sweep: it passes each
// record's checkpoint to the event store (which moves its subscription's
// GC point) and removes handshaked records without an accepted heartbeat
// for HeartbeatTimeout. Epoch-0 records are never handshaked, so never
// swept (PROTOCOL.md 5, I9).
func (c *eventBroker) reportDispatcherStatToStore() {
	now := c.rt.Now()
	var inactive []wire.DispatcherID
	for _, m := range []map[wire.DispatcherID]*dispatcherSlot{c.dispatchers, c.tableTriggerDispatchers} {
		for _, slot := range sortedSlots(m) {
			d := slot.stat
			if !d.tableTrigger && d.checkpointTs > 0 && d.checkpointTs < d.sentResolvedTs {
				c.eventStore.updateDispatcherCheckpointTs(d.id, d.checkpointTs)
			}
			if d.isHandshaked() && now.Sub(d.lastReceivedHeartbeatTime) > c.cfg.HeartbeatTimeout {
				inactive = append(inactive, d.id)
			}
		}
	}
	for _, id := range inactive {
		c.covered("eventservice/sweep/inactive")
		c.tracef("sweep %s: no heartbeat for %s, removed as inactive", id, c.cfg.HeartbeatTimeout)
		c.removeDispatcher(id)
	}
}
