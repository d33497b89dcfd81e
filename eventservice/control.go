package eventservice

import (
	"github.com/cdcsim/cdcsim/wire"
)

// This file is the control plane (PROTOCOL.md 3.3, one function per
// row): REGISTER, RESET, REMOVE. Each runs with the broker's mutex held,
// called by the intake task.

// handleDispatcherRequest routes one request by action.
func (c *eventBroker) handleDispatcherRequest(req *wire.DispatcherRequest) {
	switch req.Action {
	case wire.ActionRegister:
		c.addDispatcher(req)
	case wire.ActionReset:
		c.resetDispatcher(req)
	case wire.ActionRemove:
		c.removeDispatcher(req.DispatcherID)
	default:
		panic("eventservice: unknown action in " + req.String())
	}
}

// addDispatcher handles REGISTER in any state: no dedup. A new epoch-0
// record replaces whatever the ID maps to, and the record it replaces is
// neither marked removed nor detached from its subscription (H1). The
// new record is only installed once the event store and the schema store
// accepted it: an event-store refusal answers NotReusable, a schema-store
// failure answers nothing (H3) unless patch h3 is on.
func (c *eventBroker) addDispatcher(req *wire.DispatcherRequest) {
	id := req.DispatcherID
	status := c.getOrSetChangefeedStatus(req)
	d := newDispatcherStat(req, c.rt.Now(), c.cfg)
	slot := &dispatcherSlot{stat: d}
	status.dispatchers[id] = true
	if d.tableTrigger {
		// The table-trigger span has no event store and no schema-store
		// registration of its own.
		d.tableRegistered = true
		c.tableTriggerDispatchers[id] = slot
		c.covered("eventservice/register/table-trigger")
		c.tracef("REGISTER %s (table trigger) from %s startTs=%d: registered", id, req.ServerID, req.StartTs)
		return
	}
	subs := c.eventStore.nextSubID
	registered := c.eventStore.registerDispatcher(id, req.Span, req.StartTs, slot, req.OnlyReuse)
	if c.eventStore.nextSubID != subs {
		c.eventStore.observeCreated(id, req.ServerID, req.OnlyReuse)
	}
	if !registered {
		c.removeFromChangefeed(req.ChangefeedID, id)
		c.covered(notReusableRow(req.OnlyReuse))
		c.tracef("REGISTER %s from %s startTs=%d onlyReuse=%t: not reusable", id, req.ServerID, req.StartTs, req.OnlyReuse)
		c.sendNotReusableEvent(d)
		return
	}
	if err := c.cfg.SchemaStore.RegisterTable(req.Span, req.StartTs); err != nil {
		if c.cfg.Variants.Patch(PatchH3) {
			// Patch h3: keep the record and retry the schema store before
			// each Ready (checkAndSendReady), so the registration
			// completes late instead of never.
			c.releaseOverwritten(id)
			c.dispatchers[id] = slot
			c.covered("eventservice/register/schema-failed-kept")
			c.tracef("REGISTER %s from %s startTs=%d: RegisterTable failed, kept for retry (patch h3): %v", id, req.ServerID, req.StartTs, err)
			return
		}
		d.isRemoved = true
		c.eventStore.unregisterDispatcher(id)
		c.removeFromChangefeed(req.ChangefeedID, id)
		c.covered("eventservice/register/schema-failed-dropped")
		c.tracef("REGISTER %s from %s startTs=%d: RegisterTable failed, dropped without reply (H3): %v", id, req.ServerID, req.StartTs, err)
		return
	}
	d.tableRegistered = true
	c.covered(registerRow(req.OnlyReuse, c.dispatchers[id] != nil))
	if old := c.dispatchers[id]; old != nil {
		c.tracef("REGISTER %s from %s startTs=%d: overwrites record epoch=%d seq=%d (not removed)", id, req.ServerID, req.StartTs, old.stat.epoch, old.stat.seq)
		c.releaseOverwritten(id)
	} else {
		c.tracef("REGISTER %s from %s startTs=%d onlyReuse=%t: registered", id, req.ServerID, req.StartTs, req.OnlyReuse)
	}
	c.dispatchers[id] = slot
}

// releaseOverwritten is patch h6: before a REGISTER's record replaces a
// live record of id (kept by patch h3 after a failed RegisterTable, or
// registered), the old record's table registration is released, as its
// REMOVE would have done; HEAD (TiCDC's addDispatcher storing over the
// old entry) keeps it forever. The old record is marked released, not
// unregistered: as an orphan it would register again at its next scan.
func (c *eventBroker) releaseOverwritten(id wire.DispatcherID) {
	old := c.dispatchers[id]
	if old == nil || !c.cfg.Variants.Patch(PatchH6) || !old.stat.tableRegistered || old.stat.tableReleased || old.stat.tableTrigger {
		return
	}
	c.cfg.SchemaStore.UnregisterTable(old.stat.info.Span)
	old.stat.tableReleased = true
	c.tracef("REGISTER %s: the overwritten record's table is unregistered (patch h6)", id)
}

// resetDispatcher handles RESET(x, t): ignored if the record is absent or
// its epoch >= x; otherwise the old record is marked removed and a new
// one, epoch x, startTs t, seq 0, is installed in the same slot with the
// old one's statistics, and a scan is requested at once (PR #5554), which
// sends the Handshake and then data; for a table-trigger record the
// request does nothing and the next table-trigger tick sends them
// (requestScan).
func (c *eventBroker) resetDispatcher(req *wire.DispatcherRequest) {
	id := req.DispatcherID
	slot := c.getDispatcher(id)
	if slot == nil {
		c.covered("eventservice/reset/absent")
		c.tracef("RESET %s epoch=%d resetTs=%d: absent, ignored", id, req.Epoch, req.StartTs)
		return
	}
	old := slot.stat
	if old.epoch >= req.Epoch {
		c.covered("eventservice/reset/stale")
		c.tracef("RESET %s epoch=%d: stale (record epoch %d), ignored", id, req.Epoch, old.epoch)
		return
	}
	c.markRemoved(old)
	d := newDispatcherStat(req, c.rt.Now(), c.cfg)
	d.copyStatistics(old)
	c.getOrSetChangefeedStatus(req).dispatchers[id] = true
	slot.stat = d
	c.covered("eventservice/reset/replace")
	c.tracef("RESET %s epoch=%d resetTs=%d from %s: replaces epoch %d", id, req.Epoch, req.StartTs, req.ServerID, old.epoch)
	c.requestScan(d)
}

// requestScan asks the scan task to scan d at once, as TiCDC's
// event_broker.go requestScan does after a RESET. Like TiCDC's, it
// returns at once for the table-trigger (DDL) span: that span has no
// scan of its own, and its Handshake and DDLs wait for the next
// table-trigger tick (tickTableTriggerDispatchers).
func (c *eventBroker) requestScan(d *dispatcherStat) {
	if d.tableTrigger {
		c.covered("eventservice/reset/table-trigger-tick")
		return
	}
	c.scanRequests.Send(d)
}

// removeDispatcher handles REMOVE, and the sweep's removals: idempotent;
// marks the record removed, deletes it, and unregisters it from the event
// store and the schema store.
func (c *eventBroker) removeDispatcher(id wire.DispatcherID) {
	slot, m := c.dispatchers[id], c.dispatchers
	if slot == nil {
		slot, m = c.tableTriggerDispatchers[id], c.tableTriggerDispatchers
	}
	if slot == nil {
		c.covered("eventservice/remove/absent")
		c.tracef("REMOVE %s: absent", id)
		return
	}
	d := slot.stat
	c.markRemoved(d)
	delete(m, id)
	c.removeFromChangefeed(d.info.ChangefeedID, id)
	if !d.tableTrigger {
		c.eventStore.unregisterDispatcher(id)
		if d.tableRegistered && !d.tableReleased {
			c.cfg.SchemaStore.UnregisterTable(d.info.Span)
		}
	}
	c.covered("eventservice/remove/removed")
	c.tracef("REMOVE %s: removed record epoch=%d seq=%d", id, d.epoch, d.seq)
}
