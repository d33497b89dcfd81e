// Package fault is the table of the model's named fault sites: every
// place where the model may lose, delay or perturb something because a
// real TiCDC cluster can (FoundationDB's BUGGIFY points, named). Model
// code asks the runtime whether a site fires now,
//
//	if rt.Buggify(fault.DropEvent) { ... }
//
// and the simulator decides from the run's configuration: each site has
// a rate, the probability that it fires each time it is reached, and 0
// is off. The swarm (sim.DeriveConfig) switches each site on for a run
// with probability buggify.p, decided from the seed and the site's name
// alone, so adding a site does not change which other sites are on; an
// enabled site fires at its own Rate below (buggify.q for a site with
// none) times a factor the seed draws for it, log-uniform in [1/4, 4]
// (at most 1 in all). Every site is one line of the printed configuration,
// "fault.NAME = rate", and pins back with -sim.set fault.NAME=rate;
// faults=none and buggify.p=0 switch every site off, and every site stops
// firing at the heal, with the network's faults; a fault that lasts (a
// stalled resolved ts, a lagging subscription) ends there too, through
// clock.Runtime.FaultsOn. Real mode never fires a site.
//
// A site belongs here only if TiCDC at the modelled commit can have the
// fault; each doc line says where in TiCDC, and the doc.go of the package
// that reaches the site says what TiCDC can and cannot lose there.
package fault

import "slices"

// Info describes one fault site.
type Info struct {
	Name string
	// Rate is the probability that the site fires each time it is
	// reached, when the swarm switches it on, before the seed's factor;
	// 0 means buggify.q.
	Rate float64
	Doc  string
}

// The model's fault sites. The name's prefix is the package that reaches
// the site.
const (
	RegisterTableFails = "eventservice/register-table-fails"
	RegisterTableSlow  = "eventservice/register-table-slow"
	ResetDelay         = "eventservice/reset-delay"
	SlowScan           = "eventservice/slow-scan"
	ScanReadSlow       = "eventservice/scan-read-slow"
	CleanupFails       = "eventservice/cleanup-fails"
	SubscriptionLag    = "eventservice/subscription-lag"
	DropEvent          = "collector/drop-event"
	MemoryPressure     = "collector/memory-pressure"
	ReleaseLate        = "collector/release-late"
	HandlerSlow        = "collector/handler-slow"
	LocalCongested     = "cluster/local-congested"
	ResolvedStall      = "cluster/resolved-stall"
	TickerJitter       = "clock/ticker-jitter"
)

// Sites lists every fault site, sorted by name.
func Sites() []Info {
	s := []Info{
		{RegisterTableFails, 0, "the schema store fails RegisterTable (TiCDC logservice/schemastore RegisterTable returns an error; the trigger of PROTOCOL.md 6.3 H3)"},
		{RegisterTableSlow, 0, "RegisterTable takes up to 20 s and holds the event service's intake (TiCDC pkg/eventservice event_broker.go addDispatcher fetches the schema inline)"},
		{ResetDelay, 0.2, "a RESET's scan, hence its Handshake, waits up to 2 s more (TiCDC pkg/eventservice event_broker.go: the Handshake goes out from sendHandshakeIfNeed in a scan task that waits in taskChan for runScanWorker)"},
		{SlowScan, 0.005, "one scan tick of the event service waits up to 1 s before it runs (TiCDC pkg/eventservice event_broker.go doScan reads the event store, pebble, and can be slow under load)"},
		{ScanReadSlow, 0.02, "a scan's read of the event store takes up to 2 s, during which REMOVE and RESET of its dispatcher are handled (TiCDC pkg/eventservice event_broker.go doScan runs scanner.scan under no broker lock; markRemoved cancels it through beginActiveScan's context)"},
		{CleanupFails, 1, "freeing the state a removed or replaced record's cancelled scan held fails, so the record waits in the cleanup retry queue (TiCDC pkg/eventservice event_broker.go cleanupLargeTxnState: removing a large transaction's spill file fails; pendingLargeTxnCleanup is retried every 10 s)"},
		{SubscriptionLag, 0.3, "a new event-store subscription's resolved ts stays at its start for up to 30 s, far behind any older subscription, while its incremental scan runs (TiCDC logservice/eventstore event_store.go advanceResolvedTs is called by the log puller, whose span resolved ts waits for every region's incremental scan)"},
		{DropEvent, 0.005, "the collector's dynstream replaces an arriving DML, DDL or sync point by a DropEvent (TiCDC utils/dynstream memory_control.go appendEvent, usage >= 1.5 or failpoint InjectDropEvent)"},
		{MemoryPressure, 0.01, "an arriving event finds its changefeed's area under memory pressure, so release feedback is posted (TiCDC memory_control.go appendEvent -> releaseMemory, usage >= 1.5 or checkDeadlock)"},
		{ReleaseLate, 0.5, "a memory release discards its chosen paths up to 2 s after choosing them, whatever they hold by then, blocked or not (TiCDC memory_control.go releaseMemory -> feedbackChan -> event_collector.go processDSFeedback -> ds.Release -> stream.go handleLoop releasePath)"},
		{HandlerSlow, 0.05, "the event handler returns up to 200 ms after handing a batch to a sink that blocks the path, so the sink's wake may come while the batch is still being served (TiCDC utils/dynstream stream.go handleLoop: Handle runs the dispatcher's HandleEvents, whose sink writes can be slow; a wake is an event of the stream, handled after Handle returns)"},
		{LocalCongested, 0.01, "a message between a node's own collector and event service fails as congested (TiCDC pkg/messaging local_target.go sendMsgToChan: a full channel returns ErrorTypeMessageCongested)"},
		{ResolvedStall, 0.001, "a table's resolved ts stops moving for 1 to 20 s, as for a region without a leader (TiKV resolved-ts is held by the slowest region)"},
		{TickerJitter, 0.1, "a ticker's next tick comes up to a quarter period late (Go's time.Ticker under GC and scheduler load: every TiCDC loop runs on one)"},
	}
	slices.SortFunc(s, func(a, b Info) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return s
}

// Lookup returns the site named name.
func Lookup(name string) (Info, bool) {
	for _, i := range Sites() {
		if i.Name == name {
			return i, true
		}
	}
	return Info{}, false
}
