package eventservice

// Coverage points of the event service (clock.CoverFunc): one per row of
// PROTOCOL.md 3.3's per-dispatcher state machine, and per outcome where a
// row has several, named "eventservice/<input>/<outcome>". The REGISTER
// row splits by what the event store and schema store answered:
//
//	register/new                  a record created (onlyReuse false), none before
//	register/reuse-hit            onlyReuse, attached to a live subscription
//	register/overwrite            a record replaced without being removed
//	register/reuse-overwrite      both of the above
//	register/reuse-miss           onlyReuse and no subscription to reuse: NotReusable
//	register/create-failed        the store refused a plain REGISTER
//	register/schema-failed-dropped  RegisterTable failed, no reply (H3)
//	register/schema-failed-kept     the same under patch h3
//	register/table-trigger        the table-trigger span
//
// and reset/{absent,stale,replace}, reset/table-trigger-tick (a RESET of
// a table-trigger record, whose scan waits for the tick),
// router/empty (an empty heartbeat or congestion control, ignored),
// remove/{absent,removed},
// heartbeat/{absent,epoch-mismatch,accepted}, sweep/inactive,
// ready/sent, handshake/sent, scan/{no-quota,low-quota}, and what REMOVE
// and RESET do to work in flight (active_scan.go): scan/slow-read (a
// scan's read under way), scan/busy (a trigger skipped meanwhile),
// scan/cancelled (markRemoved cancelled it), cleanup/failed (its state's
// cleanup failed and was queued), cleanup/retried (the retry worker freed
// it); and the request fields' mechanisms: syncpoint/sent (a sync point
// emitted at the changefeed's cadence, syncpoint.go), scan/txn-split (a
// scan stopped inside a large transaction, large_txn.go) and
// scan/low-latency-pending (low-latency mode kept a trigger that came
// during a scan).

// CoverPoints returns every coverage point the event service can record.
func CoverPoints() []string {
	out := make([]string, 0, len(coverRows))
	for _, r := range coverRows {
		out = append(out, "eventservice/"+r)
	}
	return out
}

var coverRows = []string{ //dst:allow package-state: a read-only table
	"register/new", "register/reuse-hit", "register/overwrite", "register/reuse-overwrite",
	"register/reuse-miss", "register/create-failed", "register/schema-failed-dropped",
	"register/schema-failed-kept", "register/table-trigger",
	"reset/absent", "reset/stale", "reset/replace", "reset/table-trigger-tick", "router/empty", "remove/absent", "remove/removed",
	"heartbeat/absent", "heartbeat/epoch-mismatch", "heartbeat/accepted", "sweep/inactive",
	"ready/sent", "handshake/sent", "scan/no-quota", "scan/low-quota",
	"scan/slow-read", "scan/busy", "scan/cancelled", "cleanup/failed", "cleanup/retried",
	"syncpoint/sent", "scan/txn-split", "scan/low-latency-pending",
}

// registerRow names a REGISTER that created or attached a record.
func registerRow(onlyReuse, overwrite bool) string {
	switch {
	case onlyReuse && overwrite:
		return "eventservice/register/reuse-overwrite"
	case onlyReuse:
		return "eventservice/register/reuse-hit"
	case overwrite:
		return "eventservice/register/overwrite"
	}
	return "eventservice/register/new"
}

// notReusableRow names a REGISTER the event store refused.
func notReusableRow(onlyReuse bool) string {
	if onlyReuse {
		return "eventservice/register/reuse-miss"
	}
	return "eventservice/register/create-failed"
}
