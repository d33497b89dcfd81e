package workloads

import (
	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/wire"
)

// restore is what the checkers do when an aborted merge registers a
// source with its collector again (cluster.ObservedRestore; TiCDC's
// abortMerge in dispatchermanager task.go): the dispatcher, its sink and
// its ID stay, but its session is new. The rules about one session's
// request stream and epochs (I1, I2, I6, I8, I13, I15's work budget, I17's RESETs) start
// over for it, and so do the sink-order cursors of I3 and I4: the new
// session registers from the dispatcher's start ts, so the events its
// sink had accepted above its resolved ts come again, in a new epoch 1.
// What stays is what does not depend on the session: no loss (I5), the
// reported checkpoints never going back (I7), nothing after the final
// removal (I10).
func (st *CheckState) restore(id wire.DispatcherID) {
	delete(st.removedFromLocal, id)
	ds := st.of(id)
	ds.epochSeen, ds.resets, ds.resetTo = 0, 0, ""
	ds.i3 = handedCursor{n: ds.i3.n}
	ds.i4 = handedCursor{n: ds.i4.n}
	ds.syncPoints = syncPointCursor{n: ds.syncPoints.n}
	ds.dups.resets, ds.dups.seen = nil, nil
	ds.hb.current = ""
	// I15's budget is a session's: the restored session registers
	// (locally and by probing) and resets again from nothing, as a new
	// dispatcher would (TestMerge seed 1909 spent 6 REGISTERs in two).
	ds.work = workCounts{dirty: ds.work.dirty}
	st.restored = append(st.restored, id)
}

// forgetRestoredStats drops the cached session of every dispatcher
// restored since the last call, so that the next snapshot looks up the
// new session instead of the one the merge removed.
func (st *CheckState) forgetRestoredStats(c *cluster.Cluster) {
	for _, id := range st.restored {
		if d := dispatcherByID(c, id); d != nil && d.Index < len(st.snaps) {
			cs := &st.snaps[d.Index]
			cs.stat, cs.coll = nil, nil
		}
	}
	st.restored = st.restored[:0]
}
