package cluster

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/eventservice"
	"github.com/cdcsim/cdcsim/fault"
	"github.com/cdcsim/cdcsim/internal/chunk"
	"github.com/cdcsim/cdcsim/wire"
)

// TsPerSecond is the model's timestamp rate: a Ts counts milliseconds of
// virtual time (TiDB's TSO keeps physical milliseconds in its high bits;
// only the order and the one-hour staleness cut-off of the coordinator
// depend on the unit).
const TsPerSecond = 1000

// TsAt returns the timestamp of a virtual time.
func TsAt(t clock.Time) wire.Ts { return wire.Ts(t.Duration() / time.Millisecond) }

// Upstream is the deterministic upstream of every table: transactions
// committed with increasing commitTs, DDLs now and then, and a resolved
// ts that trails the clock by one tick. It is the ground truth the
// checkers compare the sinks against: a change is final once its commitTs
// is at or below the resolved ts.
type Upstream struct {
	rt     clock.Runtime
	cfg    UpstreamConfig
	tables []*table // by TableID order; the slice never changes
	// mu guards r, nextTx and every table's fields: the committer and
	// resolver tasks write them while event services read.
	mu     *clock.Guard
	r      *rand.Rand
	nextTx uint64
	// rows holds the committed rows and keys (kept for the whole run, as
	// the checkers' ground truth); out and outRows the slices Changes
	// returns (read at once by a scan or a checker, so kept apart from the
	// history they would otherwise pin). All are carved from chunks, since
	// a commit and a scan happen on nearly every table every tick.
	rows    chunk.Of[uint64]
	out     chunk.Of[eventservice.Change]
	outRows chunk.Of[uint64]
	// trace and cover, if set, record the drops (drop.go).
	trace func(format string, args ...any)
	cover func(name string)
}

// UpstreamConfig shapes the generated load.
type UpstreamConfig struct {
	Tables int // tables 1..Tables; 0 is the table trigger
	// KeySpace is the keys of each table, [0, KeySpace); a span covers a
	// range of them.
	KeySpace uint64
	// TxnEvery is the mean time between transactions per table; each
	// touches 1 to MaxRows rows.
	TxnEvery time.Duration
	MaxRows  int
	// DDLP is the probability that a commit is a DDL instead of a DML.
	DDLP float64
	// Tick is how often the resolved ts moves.
	Tick time.Duration
	// SameTsP is the probability that a transaction commits at the
	// commitTs of the table's previous one (when that is still above the
	// resolved ts), with its own, lower startTs: TiKV gives several
	// transactions one commitTs (async commit and 1PC compute it from
	// their keys' max read ts), and TiCDC must neither merge nor drop them.
	SameTsP float64
	// LargeTxnP is the probability that a DML transaction is large: it
	// touches LargeTxnRows rows (default 24) instead of 1 to MaxRows, more
	// than the event service's LargeTxnThresholdRows, so the service
	// splits it across events (TiKV gives transactions of any size; TiCDC
	// splits those above its threshold). Drawn only when positive.
	LargeTxnP    float64
	LargeTxnRows int
	// Idle is how many of the highest-numbered tables never commit: only
	// their resolved ts moves, so only resolved events can move their
	// dispatchers' checkpoints (the path a busy table hides, since its
	// data alone keeps the checkpoint moving).
	Idle int
	// DropEvery, if positive, is the mean time between DROP TABLEs
	// (drop.go): each drops one table of 1..Tables not yet dropped, as a
	// DDL at a commitTs after which the table commits nothing more. 0
	// never drops, and draws nothing, so other workloads keep their
	// hashes.
	DropEvery time.Duration
}

// DefaultUpstreamConfig is a light steady load.
func DefaultUpstreamConfig(tables int) UpstreamConfig {
	return UpstreamConfig{Tables: tables, KeySpace: 1024, TxnEvery: 200 * time.Millisecond, MaxRows: 3, DDLP: 0.01, Tick: 50 * time.Millisecond}
}

type table struct {
	id       int64
	changes  []eventservice.Change // ascending CommitTs. Invariant: CommitTs non-decreasing; a DML's StartTs unique at its CommitTs.
	keys     [][]uint64            // keys of each change's rows (DML), parallel to changes
	resolved wire.Ts
	version  uint64 // table info version, bumped by DDLs
	// droppedAt is the commitTs of the DDL that dropped the table (0:
	// not dropped). Invariant: no change above it.
	droppedAt wire.Ts
	// stalledUntil: the resolved ts does not move before this time
	// (fault.ResolvedStall). Read and written by the resolver task only.
	stalledUntil clock.Time
}

// NewUpstream creates the upstream; Run starts its generator tasks.
func NewUpstream(rt clock.Runtime, cfg UpstreamConfig) *Upstream {
	u := &Upstream{rt: rt, r: rt.Rand("cluster/upstream"), cfg: cfg, mu: clock.NewGuard(rt)}
	u.rows.Size, u.out.Size, u.outRows.Size = 4096, 1024, 1024
	for id := range int64(cfg.Tables) + 1 {
		u.tables = append(u.tables, &table{id: id, version: 1})
	}
	return u
}

// Run starts one committer task per table and the resolved-ts ticker.
func (u *Upstream) Run() {
	for _, t := range u.tables[1 : len(u.tables)-min(u.cfg.Idle, u.cfg.Tables)] {
		u.rt.Go("upstream/commit", func() { u.commitLoop(t) })
	}
	u.rt.Go("upstream/resolve", u.resolveLoop)
	if u.cfg.DropEvery > 0 {
		u.rt.Go("upstream/drop", u.dropLoop)
	}
}

func (u *Upstream) commitLoop(t *table) {
	for {
		u.mu.Lock()
		gap := time.Duration(u.r.ExpFloat64()*float64(u.cfg.TxnEvery)) + time.Millisecond
		u.mu.Unlock()
		u.rt.Sleep(gap)
		u.commit(t)
	}
}

// commit appends one transaction at a commitTs above both the resolved
// ts (which it must never be at or below) and the previous commit, or,
// with SameTsP, at the previous transaction's commitTs while that is
// still above the resolved ts.
func (u *Upstream) commit(t *table) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if t.droppedAt != 0 {
		return // a dropped table takes no writes
	}
	ts := max(TsAt(u.rt.Now()), t.resolved+1)
	sameTs := false
	if n := len(t.changes); n > 0 {
		prev := t.changes[n-1]
		ts = max(ts, prev.CommitTs+1)
		// Drawn only when the workload asks for it, so that other
		// workloads' draws, and hashes, stay as they were.
		if u.cfg.SameTsP > 0 && prev.Kind == eventservice.KindDML && prev.CommitTs > t.resolved && prev.StartTs > 1 && u.r.Float64() < u.cfg.SameTsP {
			ts, sameTs = prev.CommitTs, true
		}
	}
	startTs := ts - 1
	if sameTs {
		startTs = t.changes[len(t.changes)-1].StartTs - 1 // unique at this commitTs
	} else if u.r.Float64() < u.cfg.DDLP {
		t.version++
		t.changes = append(t.changes, eventservice.Change{Kind: eventservice.KindDDL, CommitTs: ts, TableInfoVersion: t.version})
		t.keys = append(t.keys, nil)
		return
	}
	n := 1 + u.r.IntN(u.cfg.MaxRows)
	if u.cfg.LargeTxnP > 0 && u.r.Float64() < u.cfg.LargeTxnP {
		n = cmp.Or(u.cfg.LargeTxnRows, 24)
	}
	rows, keys := u.rows.Make(n), u.rows.Make(n) // capped, so neither grows into the other
	for i := range rows {
		u.nextTx++
		rows[i], keys[i] = u.nextTx, u.r.Uint64N(u.cfg.KeySpace)
	}
	t.changes = append(t.changes, eventservice.Change{Kind: eventservice.KindDML, CommitTs: ts, StartTs: startTs, Rows: rows})
	t.keys = append(t.keys, keys)
}

// resolveLoop moves every table's resolved ts to just below the clock,
// except for a table whose resolved ts is stalled (fault.ResolvedStall:
// a region of it has no leader, so TiKV's resolved ts for the table
// stays where it was until the region has one again). Commits go on
// during a stall, above the frozen resolved ts.
func (u *Upstream) resolveLoop() {
	for {
		u.rt.Sleep(u.cfg.Tick)
		at := u.rt.Now()
		now := TsAt(at)
		for _, t := range u.tables {
			if at >= t.stalledUntil && u.rt.Buggify(fault.ResolvedStall) {
				t.stalledUntil = at.Add(resolvedStallMin + time.Duration(u.rt.Rand(fault.ResolvedStall).Int64N(int64(resolvedStallMax-resolvedStallMin))))
			}
		}
		faults := u.rt.FaultsOn()
		u.mu.Lock()
		for _, t := range u.tables {
			if now > 0 && (at >= t.stalledUntil || !faults) { // no stall outlives the heal
				t.resolved = max(t.resolved, now-1)
			}
		}
		u.mu.Unlock()
	}
}

// A stalled resolved ts stays for [resolvedStallMin, resolvedStallMax).
const (
	resolvedStallMin = time.Second
	resolvedStallMax = 20 * time.Second
)

// ResolvedTs implements eventservice.Upstream.
func (u *Upstream) ResolvedTs(span wire.Span) wire.Ts {
	t := u.table(span)
	u.mu.Lock()
	defer u.mu.Unlock()
	return t.resolved
}

// Changes implements eventservice.Upstream: the changes of span in
// (after, upto], with each DML's rows cut to the span's keys (a DML with
// no row in the span is left out). The table-trigger span sees every
// table's DDLs.
func (u *Upstream) Changes(span wire.Span, after, upto wire.Ts) []eventservice.Change {
	u.mu.Lock()
	defer u.mu.Unlock()
	if span.TableID == 0 {
		return u.ddls(after, upto)
	}
	t := u.table(span)
	from, to := firstAbove(t.changes, after), firstAbove(t.changes, upto)
	if from >= to {
		return nil
	}
	out := u.out.Make(to - from)[:0] // at most that many: a DML with no row in span is left out
	for i := from; i < to; i++ {
		c := t.changes[i]
		if c.Kind == eventservice.KindDML {
			c.Rows = u.rowsInSpan(c.Rows, t.keys[i], span)
			if len(c.Rows) == 0 {
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

// Expected returns what a dispatcher of span must eventually forward
// after startTs up to upto: the ground truth of the no-loss checker.
func (u *Upstream) Expected(span wire.Span, startTs, upto wire.Ts) []eventservice.Change {
	return u.Changes(span, startTs, upto)
}

// ddls returns every table's DDLs in (after, upto]. Called with u.mu
// held.
func (u *Upstream) ddls(after, upto wire.Ts) []eventservice.Change {
	var out []eventservice.Change
	for _, t := range u.tables[1:] {
		for _, c := range t.changes {
			if c.Kind == eventservice.KindDDL && c.CommitTs > after && c.CommitTs <= upto {
				out = append(out, c)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b eventservice.Change) int { return cmpTs(a.CommitTs, b.CommitTs) })
	return out
}

func (u *Upstream) table(span wire.Span) *table {
	if span.TableID < 0 || span.TableID >= int64(len(u.tables)) {
		panic("cluster: upstream has no table for span " + span.String())
	}
	return u.tables[span.TableID]
}

// rowsInSpan returns the rows whose keys are in span. When every key is
// (a whole-table span), it returns rows itself, capped so an append
// cannot write into the upstream's array: changes are immutable once
// committed, and the event service copies rows into its messages.
func (u *Upstream) rowsInSpan(rows, keys []uint64, span wire.Span) []uint64 {
	in := 0
	for _, k := range keys {
		if k >= span.StartKey && k < span.EndKey {
			in++
		}
	}
	switch in {
	case 0:
		return nil
	case len(rows):
		return rows[:len(rows):len(rows)]
	}
	out := u.outRows.Make(in)[:0]
	for i, k := range keys {
		if k >= span.StartKey && k < span.EndKey {
			out = append(out, rows[i])
		}
	}
	return out
}

// firstAbove returns the index of the first change with CommitTs > ts
// (len(changes) if none): a binary search written out, because every scan
// of every dispatcher runs it and the generic slices.BinarySearchFunc
// calls its comparison through a function value.
func firstAbove(changes []eventservice.Change, ts wire.Ts) int {
	lo, hi := 0, len(changes)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if changes[mid].CommitTs <= ts {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

func cmpTs(a, b wire.Ts) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
