package workloads

import (
	"fmt"
	"strings"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/wire"
)

// dupState is one dispatcher's at-least-once accounting (I17).
type dupState struct {
	// resets is every RESET its collector queued, in queue order (by I2,
	// epochs 1, 2, 3, ...): which service each epoch was bound to and
	// from which ts it restarted the stream.
	resets []resetEntry
	// n is how far along the sink's Handed I17 went; atTs the commitTs of
	// the last event there, and seen the kinds and epochs accepted at it.
	n    int
	atTs wire.Ts
	seen []cluster.Forwarded
	// The duplicates found so far, by cause, and the last one's account.
	byReset, byEpochChange int
	last                   string
}

// resetEntry is one RESET queued: epoch, destination and resetTs.
type resetEntry struct {
	epoch   uint64
	to      wire.ServerID
	resetTs wire.Ts
}

// DuplicateCounts is what I17 found in a run: duplicates explained by a
// RESET to the same service, and by an epoch change that moved the
// stream to another service.
type DuplicateCounts struct {
	Reset, EpochChange int
	// Last describes the last duplicate found ("" if none).
	Last string
}

// Duplicates sums I17's findings over every dispatcher checked so far.
func (st *CheckState) Duplicates() DuplicateCounts {
	var out DuplicateCounts
	for _, ds := range st.byIndex {
		out.Reset += ds.dups.byReset
		out.EpochChange += ds.dups.byEpochChange
		if ds.dups.last != "" {
			out.Last = ds.dups.last
		}
	}
	return out
}

// CheckI17DuplicatesExplained: every change a sink accepted more than
// once (the same change at the same commitTs: sameChange) is explained by a RESET: the
// copy came in a later epoch than the first, and the RESET that opened
// that epoch restarted the stream below the change's commitTs
// (PROTOCOL.md 5 I4, I5; 3.1 "RESET(S)"; 3.4 step 4; issue #1901).
// TiCDC's delivery is at-least-once only across a reset: a RESET starts
// the new epoch from the sink checkpoint, so what was handed but not yet
// flushed above it is sent again, and the dedup lets DMLs at exactly the
// previous commitTs through. A copy within one epoch (a service that
// sent a change twice, a collector that forwarded a batch twice) or in
// an epoch whose RESET started at or above it (a scan below the
// requested start) is a bug that I4 does not see, since the commitTs did
// not go back.
//
// Each explained duplicate is recorded (Duplicates) with its cause: a
// "reset" when the later epoch's RESET went to the service of the
// first's (T7 after a gap or a drop, or T8's re-registration), an "epoch
// change" when it went elsewhere (T3 moving home, T4' to a remote). An
// unexplained one fails with the RESETs between the two epochs. Reads
// the sinks' histories incrementally (st.changes) and the RESETs Observe
// saw: install it with every=1, after I4 (it assumes commitTs order).
func CheckI17DuplicatesExplained(c *cluster.Cluster, st *CheckState) error {
	for _, i := range st.changes(c) {
		d, ds := c.Dispatchers[i], st.at(c, i)
		dup := &ds.dups
		for _, f := range d.Handed[dup.n:] {
			if dup.n == 0 || f.CommitTs != dup.atTs {
				dup.atTs, dup.seen = f.CommitTs, dup.seen[:0]
			}
			for _, first := range dup.seen {
				if !sameChange(first, f) {
					continue
				}
				cause, err := explainDuplicate(dup.resets, first, f)
				if err != nil {
					return fmt.Errorf("dispatcher %s on %s: %w", d.ID(), d.Node(), err)
				}
				dup.last = fmt.Sprintf("dispatcher %s: %s at commitTs %d again: %s", d.ID(), f.Kind, f.CommitTs, cause)
				if strings.HasPrefix(cause, "reset") {
					dup.byReset++
				} else {
					dup.byEpochChange++
				}
				break
			}
			dup.seen = append(dup.seen, f)
			dup.n++
		}
	}
	return nil
}

// sameChange reports whether two sink entries at one commitTs are the
// same upstream change: the same kind and, for a DML, the same rows (row
// IDs are unique to their transaction). Several transactions may commit
// at one commitTs (cluster.UpstreamConfig.SameTsP), as in TiKV; they are
// different changes, not copies.
func sameChange(a, b cluster.Forwarded) bool {
	if a.Kind != b.Kind {
		return false
	}
	if a.Kind != "DML" || len(a.Rows) == 0 || len(b.Rows) == 0 {
		return true
	}
	return a.Rows[0] == b.Rows[0]
}

// explainDuplicate is I17's rule for dup, a second copy of first: the
// cause ("reset ..." or "epoch change ..."), or why nothing explains it.
func explainDuplicate(resets []resetEntry, first, dup cluster.Forwarded) (string, error) {
	if dup.Epoch <= first.Epoch {
		return "", fmt.Errorf("sink accepted %s twice in epoch %d (first %s): no reset between the copies",
			dup.Kind, dup.Epoch, fmtForwarded(first))
	}
	opened, ok := resetOf(resets, dup.Epoch)
	if !ok {
		return "", fmt.Errorf("sink accepted %s again in epoch %d (first %s), but no RESET of epoch %d was queued",
			fmtForwarded(dup), dup.Epoch, fmtForwarded(first), dup.Epoch)
	}
	if opened.resetTs >= dup.CommitTs {
		return "", fmt.Errorf("sink accepted %s again (first %s), but epoch %d's RESET to %s restarted from %d, at or above it; RESETs since epoch %d: %s",
			fmtForwarded(dup), fmtForwarded(first), dup.Epoch, opened.to, opened.resetTs, first.Epoch, resetsBetween(resets, first.Epoch, dup.Epoch))
	}
	if prev, ok := resetOf(resets, first.Epoch); ok && prev.to != opened.to {
		return fmt.Sprintf("epoch change from %s (epoch %d) to %s (epoch %d, resetTs %d)", prev.to, first.Epoch, opened.to, dup.Epoch, opened.resetTs), nil
	}
	return fmt.Sprintf("reset on %s from epoch %d to %d (resetTs %d)", opened.to, first.Epoch, dup.Epoch, opened.resetTs), nil
}

// resetOf finds the RESET that opened epoch e.
func resetOf(resets []resetEntry, e uint64) (resetEntry, bool) {
	for i := len(resets) - 1; i >= 0; i-- {
		if resets[i].epoch == e {
			return resets[i], true
		}
	}
	return resetEntry{}, false
}

// resetsBetween prints the RESETs of epochs (from, to].
func resetsBetween(resets []resetEntry, from, to uint64) string {
	var parts []string
	for _, r := range resets {
		if r.epoch > from && r.epoch <= to {
			parts = append(parts, fmt.Sprintf("epoch %d to %s from %d", r.epoch, r.to, r.resetTs))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
