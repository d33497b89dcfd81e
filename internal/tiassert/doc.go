// Package tiassert is the one helper the model uses where TiCDC itself
// stops with log.Panic or log.Fatal on a state of the modelled components
// (issue 13, item 2). docs/ticdc-assertions.md lists every such site of
// TiCDC at the modelled commit and says, for each, where the model asserts
// the same condition or why it does not.
//
// # Use
//
// The caller tests the condition itself and calls Failf only when it
// does not hold, so that a check on a hot path (every scan, every batch)
// boxes no arguments while the state is sound:
//
//	if start < sub.checkpointTs {
//		tiassert.Failf("logservice/eventstore/event_store.go:GetIterator",
//			"event store: scan start ts below subscription checkpoint",
//			"node %s, dispatcher %s, startTs %d, checkpointTs %d", node, id, start, sub.checkpointTs)
//	}
//
// The panic message reads
//
//	TiCDC assertion: <TiCDC's message> (<TiCDC file:function>): <the model's values>
//
// so a failing run names the TiCDC check it reproduced before anything
// else. The simulator adds the step, the virtual time, the node and the
// task to the failure (sim.Failure, kind panic); the caller adds what
// only it knows: its node where it has one, the dispatcher and the values
// compared.
//
// # What it is not
//
// Failf is for the conditions TiCDC asserts. An assumption of the model
// itself (a lock held, a batch grouped the dynstream's way) keeps the
// package's own assertion helper, whose message says "assertion failed":
// that is a bug in the model, this is a state TiCDC refuses to be in.
// Neither reads more than the values handed to it, so asserting never
// changes a run's trace or hash.
//
//dst:simulated
package tiassert
