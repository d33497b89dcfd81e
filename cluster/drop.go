package cluster

import (
	"time"

	"github.com/cdcsim/cdcsim/eventservice"
	"github.com/cdcsim/cdcsim/wire"
)

// A table dropped while its dispatchers live.
//
// In TiCDC a DROP TABLE is a DDL the schema store records at its
// finished ts (logservice/schemastore multi_version.go: the table's
// deleteVersion), after which the table takes no writes; the event
// service hands the DDL to every dispatcher of the table and to the table
// trigger like any DDL (it is a block event whose NeedDroppedTables names
// the table), and a DML it would still find at or after the delete
// version is skipped, a resolved event sent in its place
// (pkg/eventservice event_scanner.go getTableInfo4Txn, TableDeletedError).
// The dispatcher writes the DDL once the maintainer's barrier lets it,
// and the maintainer then removes the dropped table's dispatchers
// (maintainer barrier and span controller, through the dispatcher
// manager's removal, which sends the REMOVE that takes the event
// service's record and its schema-store registration away).
//
// The model: Upstream.DropTable appends the DDL at a commitTs above the
// table's last change and resolved ts and marks the table dropped there;
// the table commits nothing afterwards, its resolved ts goes on moving.
// A dispatcher of the table whose sink writes that DDL is then removed
// (removeDropped, on a task of its own, through the node's dispatcher
// manager as TiCDC's maintainer asks it to). The maintainer never re-creates a
// dispatcher for a table dropped at or below the checkpoint it would
// start from (readd, afterShutdown): the DROP is already written there.
// The model has no barrier: each dispatcher writes the DDL alone.
//
// What the checkers make of it: no data exists above the drop ts, so
// nothing there can be missed; the removed dispatchers' records and
// registrations are I14's like any removal's; and
// CheckDroppedTablesLeaveNoDispatcher (package workloads) fails a run in
// which a dispatcher that wrote its table's DROP still lives after the
// heal.

// DropTable drops table now (0 < table <= Tables): a DDL at a commitTs
// above the table's last change and resolved ts, after which the table
// commits nothing. It returns that commitTs, or false if the table was
// already dropped.
func (u *Upstream) DropTable(table int64) (wire.Ts, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	t := u.tables[table]
	if table == 0 || t.droppedAt != 0 {
		return 0, false
	}
	ts := max(TsAt(u.rt.Now()), t.resolved+1)
	if n := len(t.changes); n > 0 {
		ts = max(ts, t.changes[n-1].CommitTs+1)
	}
	t.version++
	t.changes = append(t.changes, eventservice.Change{Kind: eventservice.KindDDL, CommitTs: ts, TableInfoVersion: t.version})
	t.keys = append(t.keys, nil)
	t.droppedAt = ts
	return ts, true
}

// DroppedAt returns the commitTs of the DDL that dropped table, and
// whether it was dropped.
func (u *Upstream) DroppedAt(table int64) (wire.Ts, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	t := u.tables[table]
	return t.droppedAt, t.droppedAt != 0
}

// dropLoop drops a table every DropEvery on average, until every table
// is dropped; from its own stream, so that the commits' draws stay.
func (u *Upstream) dropLoop() {
	r := u.rt.Rand("cluster/upstream/drop")
	for {
		u.rt.Sleep(time.Duration(r.ExpFloat64()*float64(u.cfg.DropEvery)) + time.Millisecond)
		var live []int64
		for _, t := range u.tables[1:] {
			if _, dropped := u.DroppedAt(t.id); !dropped {
				live = append(live, t.id)
			}
		}
		if len(live) == 0 {
			return
		}
		table := live[r.IntN(len(live))]
		ts, _ := u.DropTable(table)
		if u.trace != nil {
			u.trace("upstream: DROP TABLE %d at %d", table, ts)
		}
		if u.cover != nil {
			u.cover("cluster/upstream/drop")
		}
	}
}

// droppedBy reports whether the DDL f written by a dispatcher of span is
// the one that dropped its table.
func (u *Upstream) droppedBy(span wire.Span, f Forwarded) bool {
	if f.Kind != "DDL" || span.TableID == 0 {
		return false
	}
	ts, ok := u.DroppedAt(span.TableID)
	return ok && f.CommitTs == ts
}

// dropWritten reports whether a dispatcher that reached checkpoint on
// span has its table's DROP behind it: the maintainer does not schedule
// it again.
func (u *Upstream) dropWritten(span wire.Span, checkpoint wire.Ts) bool {
	if span.TableID == 0 {
		return false
	}
	ts, ok := u.DroppedAt(span.TableID)
	return ok && ts <= checkpoint
}

// removeDropped is the maintainer removing d after its sink wrote the
// DROP of its table. It runs on a task of its own (the sink's flush
// cannot block). A node that is down or shutting down is left alone: a
// crashed collector must not run again, and a node shutting down
// closes its dispatchers itself; the restart or the move then skips d
// if the DROP is behind its checkpoint, or replays the DROP to a new
// dispatcher, which is removed in turn.
func (c *Cluster) removeDropped(d *Dispatcher, dropTs wire.Ts) {
	if !c.nodeUp(c.Node(d.node)) {
		c.tracef("maintainer: table %d dropped at %d, dispatcher %s left to its node's restart", d.span.TableID, dropTs, d.id)
		return
	}
	if c.RemoveDispatcher(d) {
		c.tracef("maintainer: table %d dropped at %d, dispatcher %s removed", d.span.TableID, dropTs, d.id)
		c.cover("cluster/drop/remove")
	}
}
