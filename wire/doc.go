// Package wire holds the messages of the dispatcher session protocol
// (PROTOCOL.md 2): what collectors, event services and the log
// coordinator send each other, with TiCDC's names. Messages are immutable
// values: the network may deliver one twice, and nobody may change a
// message after sending it.
//
// Streams: requests, heartbeats, congestion control, heartbeat responses
// and coordinator traffic travel on StreamCommand; events from an event
// service to a collector, and the coordinator's answers, on StreamEvent.
// Each stream is FIFO per (sender, receiver); the two streams may
// overtake each other, so a heartbeat response can overtake events
// (PROTOCOL.md 2.5).
package wire
