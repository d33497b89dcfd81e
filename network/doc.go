// Package network carries messages between the nodes of the system under
// test. Model code sees only two small interfaces, Network and Endpoint;
// Sim implements them on a clock.Runtime with seeded faults, and Real on
// goroutines and the wall clock, as the baseline that simulation is
// measured against.
//
// # Nodes, streams and messages
//
// Network.Attach(id, streams...) connects a node and returns its Endpoint:
// ID, Send(to, stream, msg) and Inbox(stream), a clock.Mailbox of
// Envelopes (Inbox panics for a stream the node did not attach). An
// Envelope carries From, To, Stream, Msg and an ID that numbers sends
// network-wide in send order; a duplicate keeps its original's ID. Msg is
// an immutable value: the network never copies or changes it, and the
// receiver must not either, because a duplicate delivers the same value.
//
// A link is one (from, to, stream), and it is FIFO: a message is due at
// its send time plus a sampled latency, but never before the message sent
// ahead of it on the link. Faults only remove messages or repeat one right
// after itself. Different streams and links queue apart and overtake each
// other, as TiCDC's event and command streams do. Attaching a node again
// (a restart) starts a new incarnation: its old inboxes close, messages in
// flight to it are lost, and its old endpoints can no longer send.
// SetDown(id) does the same until the next Attach; what the node sent
// before is on the wire and still arrives.
//
// # Send errors
//
// Send never blocks. nil means accepted, not delivered: a message to a
// down node, across a cut, or to a stream the receiver lacks is lost
// silently, as a packet is. An error means the message was not sent; it
// is a *SendError whose Err (test with errors.Is) is ErrUnreachable
// (unknown receiver, sender down, or a stale endpoint), ErrCongested (the
// link already holds LinkCapacity messages, or a CongestedP draw) or
// ErrNotReady (a NotReadyP draw). TiCDC's message center fails a send at
// once in the same way, and these are what exercise the collector's tail
// requeue and retry quotas (PROTOCOL.md 2.5).
//
// # The simulated network
//
// NewSim(rt, faults, trace) builds a Sim; sim.World.Network builds the
// run's from Config.Net. Every decision is a draw from the runtime's
// "network" stream and every delivery a scheduled event. Past the
// ErrUnreachable checks, a send is judged in order: a synchronous failure
// (capacity, CongestedP, NotReadyP); a loss to a down receiver or a cut; a
// drop (DropP); a latency (Latency, plus Spike with probability SpikeP); a
// duplicate with its own latency (DupP).
//
// Standing faults are Rules, values that print themselves for the
// configuration block and the trace: a Cut blocks one direction,
// "cut(a->b, until heal)"; a Clog holds every link to and from a node,
// "clog(n, until 2.000000000s)". Rules are checked at send and again when
// a message falls due, so a cut also loses messages in flight, and a
// clogged link keeps its queue (sends fail with ErrCongested once it is
// full) and drains it in order when the clog lifts.
//
// The verbs take a duration, 0 meaning until Heal: Partition(a, b, d) is
// two cuts, PartitionOneWay(a, b, d) one, Isolate(n, d) partitions n from
// every node attached so far, Clog(n, d) holds n. AddRule installs any Rule;
// Rules and String show those in force. Heal removes every rule (held
// links drain at once), switches the per-message faults off and stops
// injection, leaving a clean LAN with the base Latency and LinkCapacity.
//
// RunFaults starts the tasks net/partitions and net/clogs, which until
// Heal inject, at exponential intervals with means PartitionEvery and
// ClogEvery (0: off), a partition of two random nodes for PartitionFor,
// one-way with probability 1/2, and a clog of a random node for ClogFor.
// The trace function gets one line per fault event (net drop, dup, rule,
// heal, down); it must not feed the trace hash. Sim.Observe (event.go)
// replaces it with a structured hook: every Event (send, dup, drop, cut,
// lost-down, deliver, no-stream, rule, heal, down) with the message's
// envelope and id, from which the observer renders those lines itself
// (Event.Text) and the timeline draws its message arrows. Without an
// observer or a trace function no Event is built: a message crosses the
// network without allocating (BenchmarkNetworkMessages: 0 allocs/op).
//
// # Configuration and phases
//
// Faults is the network's part of a run's configuration. Validate checks
// it (probabilities in [0, 1], LinkCapacity >= 1, no negative interval);
// NewSim panics on a bad one. Keys are its knobs, which package sim prints
// and pins with -sim.set: net.latency, net.drop, net.dup, net.spike,
// net.spike-delay, net.congested, net.not-ready, net.link-capacity,
// net.partition-every, net.partition-for, net.clog-every, net.clog-for.
// PresetFaults gives the Presets, mildest first: none (a clean LAN, link
// capacity 4096), lite (rare drops, duplicates, spikes, congestion),
// default (more of them, not-ready failures, a partition a minute, a clog
// every 30s) and harsh (long-tailed latency, rates of 2-10%, a partition
// every 10s, a clog every 5s, link capacity 64). -sim.set=faults=NAME
// applies one, setting every net.* key. Otherwise sim.DeriveConfig calls
// SwarmFaults (swarm testing): a latency shape, and each fault kind on
// with probability 1/2 at its own rate.
//
// In a run, per-message faults are on from the network's creation;
// World.StartFaults calls RunFaults for the safety phase; a crashed node
// is set down and attaches again when it restarts; World.Heal calls Heal,
// so the liveness phase is judged on a clean network.
//
// # Distributions
//
// A Dist (a latency, spike, partition or clog length) prints as, and
// ParseDist reads back, fixed(5ms), uniform(1ms,10ms) or
// longtail(2ms,500ms), a log-normal with that median (sigma 1), capped,
// with any non-negative Go durations. Fixed, Uniform and LongTail build
// one; Sample draws from it.
//
// FuzzParseDist (fuzz_test.go) checks that any accepted distribution
// prints as a string that parses back to it, and that its samples stay
// within its bounds (make fuzz; README, "Fuzzing").
//
// # The real network
//
// NewReal(rt, latency) builds a Real on a clock.Real: the same endpoint
// contract, incarnations and per-link FIFO, with one goroutine per link
// that delivers each message at its due time on the wall clock. It is not
// deterministic: draws come from a randomly seeded stream and goroutines
// interleave as they will. Without SetFaults its only failure is
// ErrUnreachable (also after Close) and its links are unbounded.
// SetFaults (real_faults.go) gives it Sim's per-message faults, and
// RunFaults its random partitions and clogs, on the wall clock until
// Heal; there a LinkCapacity of 0 means no bound, and Heal keeps the
// bound, as Sim's does. Real has no verbs for a single
// partition or clog, and no trace. Close stops every goroutine, drops what
// is in flight and closes every inbox.
//
// # Counters
//
// Stats, from Sim.Stats or Real.Stats, counts messages: Sent (accepted
// sends), Rejected (sends that returned an error), Duplicated (extra
// copies), Delivered (copies put in an inbox), and the losses
// DroppedRandom (DropP), DroppedCut (a cut, at send or when due) and
// DroppedDown (a down or restarted receiver) and DroppedNoStream (a
// stream the receiver never attached). Sent + Duplicated is Delivered
// plus the four drops plus the copies in flight (for Real, also those a
// Close dropped).
//
//dst:simulated
package network
