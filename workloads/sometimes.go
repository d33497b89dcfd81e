package workloads

import (
	"strings"

	"github.com/cdcsim/cdcsim/session"
	"github.com/cdcsim/cdcsim/sim"
)

// The Sometimes assertions every workload started with Start asks (sim
// World.Sometimes): situations that a sweep must make happen at least
// once, or it has not tested them. Each is read off the run's coverage
// when it ends, so it adds no check to any step. dst run lists every one
// no seed of a sweep reached; a workload that cannot reach one (no
// merges, no congestion) leaves it to the others.
//
// Two kinds. The races of PROTOCOL.md 4.3 and 6.1 are rare by nature:
// a sweep that never makes one happen has not tested it. The lifecycle's
// ordinary paths (a remote serves a dispatcher, a probe moves on, a lost
// registration is retried) happen on most seeds of the workloads that
// can reach them: dst mutate compares them with the unmutated model's
// over the same seeds, and a mutant that makes one disappear from a
// workload is killed (internal/dst, "Sometimes as a sweep oracle"), which
// catches a lifecycle step silently lost with nothing else wrong.
var sometimesPoints = []struct { //dst:allow package-state: a read-only table
	name string
	// points: reached when any of these coverage points was. A session
	// point ending in "/*" stands for the transition in every state
	// (session.CoverPoints).
	points []string
}{
	// 4.3 race 4: a heartbeat response's Removed applied (T8) after
	// RemoveDispatcher (T9) marked the session removed.
	{"a Removed response races RemoveDispatcher", []string{"session/T8/Removed"}},
	// I1 at T1: a RemoveDispatcher takes requestMu before the add's
	// REGISTER to L, which must then find the session removed
	// (TestChurn's removeAtAdd).
	{"a removal races the add's registration", []string{"session/T1/Removed"}},
	// 2.5, 4.3 race 3: a REGISTER refused as congested goes back to the
	// queue's tail and later requests overtake it.
	{"a REGISTER is requeued after congested", []string{"collector/requeue/REGISTER/congested"}},
	// 6.1 F3/F4 territory: the merge's node crashed between
	// PrepareAddDispatcher and the commit.
	{"a merge is interrupted by a crash", []string{"cluster/merge/interrupted"}},
	// 1.9, TiCDC's MergeCheckTask: a source is removed between the
	// prepare and the commit and the merge aborts (shouldAbortMerge,
	// abortMerge).
	{"a merge aborted", []string{"cluster/merge/abort/source_dispatcher_missing", "cluster/merge/abort/source_dispatcher_removing",
		"cluster/merge/abort/merged_dispatcher_missing", "cluster/merge/abort/merged_dispatcher_removing"}},
	// 4.3 race 5: a second REGISTER overwrites a live record on the
	// event service (not removed first); with patch h1 on, only a
	// remote's re-registration (onlyReuse) still does.
	{"a REGISTER overwrites a live record", []string{"eventservice/register/overwrite", "eventservice/register/reuse-overwrite"}},
	// 3.1 T4': a remote's Ready arrives while L's Ready and the probe
	// are both still pending, so the remote becomes current first.
	{"a remote Ready arrives before L's", []string{"session/T4/RegisteringProbing"}},

	// TiCDC's markRemoved: a REMOVE or RESET arrives while its record's
	// scan reads the event store (fault.ScanReadSlow) and cancels it.
	{"a scan under way is cancelled by REMOVE or RESET", []string{"eventservice/scan/cancelled"}},

	// The request fields (eventservice syncpoint.go, large_txn.go): a
	// sync point reached a sink; a scan stopped inside a large
	// transaction, so its rows reached the sink in several events.
	{"a sync point was delivered", []string{"cluster/sink/syncpoint"}},
	{"a transaction split across events", []string{"eventservice/scan/txn-split"}},
	// Low-latency mode kept a trigger that came during a scan.
	{"a low-latency scan continuation", []string{"eventservice/scan/low-latency-pending"}},
	// TiCDC's server.Close: a node shuts down gracefully (its
	// dispatchers closed, then its collector and event service) and the
	// maintainer moves its tables (cluster shutdown.go).
	{"a node shuts down gracefully and its tables move", []string{"cluster/shutdown/move"}},
	// The collector closed with REMOVEs still queued: a remote record
	// that only the inactivity sweep (or nothing) removes.
	{"a graceful shutdown leaves REMOVEs unsent", []string{"collector/close/requests-lost"}},

	// A DROP TABLE written by the dispatcher of the table, which the
	// maintainer then removes (cluster drop.go).
	{"a dropped table's dispatcher is removed", []string{"cluster/drop/remove"}},

	// The lifecycle's ordinary paths.
	// 3.1 T4': a remote's Ready is accepted: a remote serves a dispatcher.
	{"a remote event service serves a dispatcher", []string{"session/T4/*"}},
	// ... and streams to it: the remote's Handshake of the epoch the
	// RESET after T4' opened is accepted (a Ready accepted and then never
	// reset still reaches the line above).
	{"a remote event service streams to a dispatcher", []string{"session/handshake/remote"}},
	// 3.1 T5/T5'': a remote refuses reuse and the probe moves on.
	{"a remote refuses reuse", []string{"session/T5/*"}},
	// 3.1 T5': after a NotReusable the next candidate is asked.
	{"a probe moves on to the next candidate", []string{"session/probe/next"}},
	// 3.1 T7: a hole in the stream resets the current service.
	{"a dispatcher resets its service after a hole", []string{"session/T7/*"}},
	// 3.1 T8: a heartbeat response says the service lost the dispatcher.
	{"a service reports a dispatcher it lost", []string{"session/T8/*"}},
	// 3.3: an event service reuses a subscription for a REGISTER.
	{"an event service reuses a subscription", []string{"eventservice/register/reuse-hit"}},
	// 3.3: an event service sweeps a record whose heartbeats stopped.
	{"an event service sweeps an inactive record", []string{"eventservice/sweep/inactive"}},
	// 3.1 T9: a remove resent while the first is still in progress finds
	// the dispatcher gone (TestChurn resends some removes).
	{"a resent remove finds the dispatcher gone", []string{"collector/remove/unknown"}},
}

// installSometimes registers the Sometimes assertions on w.
func installSometimes(w *sim.World) {
	for _, s := range sometimesPoints {
		var points []string
		for _, p := range s.points {
			if prefix, ok := strings.CutSuffix(p, "*"); ok {
				for _, q := range session.CoverPoints() {
					if strings.HasPrefix(q, prefix) {
						points = append(points, q)
					}
				}
				continue
			}
			points = append(points, p)
		}
		w.SometimesAtEnd(s.name, func() bool {
			for _, p := range points {
				if w.Covered(p) > 0 {
					return true
				}
			}
			return false
		})
	}
}
