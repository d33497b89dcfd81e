package workloads

import (
	"fmt"

	"github.com/cdcsim/cdcsim/cluster"
)

// CheckDroppedTablesLeaveNoDispatcher: a dispatcher whose sink wrote the
// DDL that dropped its table is removed (TiCDC: the maintainer removes a
// dropped table's dispatchers once its DROP is written; cluster drop.go).
// One left behind scans, holds an event-service record, a subscription
// and a schema-store registration of a table that no longer exists, and
// the maintainer never asks it to go again. A liveness goal: the removal
// runs on a task after the flush, and a crash may come between (the
// restart then does not re-create it).
//
// Its data needs no rule of its own: the upstream commits nothing to a
// dropped table above its drop ts, so no-loss checks cannot miss any
// there, and the records and registrations the removal must free are
// I14's (checkers_leaks.go), as for any removal.
func CheckDroppedTablesLeaveNoDispatcher(c *cluster.Cluster) error {
	for _, n := range c.Nodes() {
		for _, d := range c.NodeDispatchers(n) {
			dropTs, dropped := c.Upstream.DroppedAt(d.Span().TableID)
			if !dropped || d.Span().TableID == 0 || d.Removed {
				continue
			}
			for _, f := range d.FlushedCopy() {
				if f.Kind == "DDL" && f.CommitTs == dropTs {
					return fmt.Errorf("dispatcher %s of table %d on %s wrote the table's DROP at %d and still lives (checkpoint %d)",
						d.ID(), d.Span().TableID, n.ID, dropTs, d.CheckpointTs())
				}
			}
		}
	}
	return nil
}
