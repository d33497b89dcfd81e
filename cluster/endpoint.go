package cluster

import (
	"fmt"
	"sync/atomic"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/fault"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/wire"
)

// role is a component of a node that receives messages.
type role uint8

const (
	roleCollector role = iota
	roleEventService
	roleCoordinator
	roles
)

// fanout is one node's attachment to the network, shared by its
// components the way TiCDC's message center is shared by topics: one
// router task per stream reads the node's inbox and hands each message to
// the component it is for. Each component sees its own network.Endpoint,
// whose Send goes to the network and whose Inbox is its own mailbox.
type fanout struct {
	rt    clock.Runtime
	ep    network.Endpoint
	boxes [roles][2]*clock.Mailbox[network.Envelope] // [role][stream index]
	// locals counts the messages local handed over, for the cluster's
	// LocalMessages (atomic: real mode sends from many goroutines).
	locals *atomic.Uint64
}

var fanoutStreams = [2]network.Stream{wire.StreamCommand, wire.StreamEvent} //dst:allow package-state: a read-only table

func newFanout(rt clock.Runtime, ep network.Endpoint, locals *atomic.Uint64) *fanout {
	f := &fanout{rt: rt, ep: ep, locals: locals}
	for r := range roles {
		for i, st := range fanoutStreams {
			f.boxes[r][i] = clock.NewUnbounded[network.Envelope](rt, fmt.Sprintf("%s/%d/%s", ep.ID(), r, st))
		}
	}
	return f
}

// run starts the two router tasks.
func (f *fanout) run() {
	for i, st := range fanoutStreams {
		f.rt.Go("router/"+string(st), func() { f.route(i, st) })
	}
}

func (f *fanout) route(i int, st network.Stream) {
	in := f.ep.Inbox(st)
	for {
		env, ok := in.Recv()
		if !ok {
			return
		}
		f.boxes[roleOf(env.Msg)][i].Send(env)
	}
}

// local hands a message from one of the node's components to another,
// in send order.
func (f *fanout) local(st network.Stream, msg any) {
	for i, s := range fanoutStreams {
		if s == st {
			f.locals.Add(1)
			f.boxes[roleOf(msg)][i].Send(network.Envelope{From: f.ep.ID(), To: f.ep.ID(), Stream: st, Msg: msg})
			return
		}
	}
	panic(fmt.Sprintf("cluster: no stream %q", st))
}

// roleOf says which component a message is for.
func roleOf(msg any) role {
	switch msg.(type) {
	case *wire.DispatcherRequest, *wire.DispatcherHeartbeat, *wire.CongestionControl:
		return roleEventService
	case *wire.ReusableEventServiceRequest, *wire.EventStoreState:
		return roleCoordinator
	}
	return roleCollector
}

// endpoint returns the view of the node's attachment for one component.
func (f *fanout) endpoint(r role) network.Endpoint { return &roleEndpoint{f: f, r: r} }

// observedEndpoint returns the view for one component whose successful
// sends are reported to sent (nil: none are), after the send: the
// checkers count what a component sent (workloads, I15).
func (f *fanout) observedEndpoint(r role, sent func(to wire.ServerID, msg any)) network.Endpoint {
	return &roleEndpoint{f: f, r: r, sent: sent}
}

// withFailures makes an observed endpoint also report every failed send
// to failed, after the send: the checker of the event service's retry of
// congested sends reads them (workloads, I26).
func withFailures(ep network.Endpoint, failed func(to wire.ServerID, st network.Stream, msg any, err error)) network.Endpoint {
	if re, ok := ep.(*roleEndpoint); ok {
		re.failed = failed
	}
	return ep
}

type roleEndpoint struct {
	f      *fanout
	r      role
	sent   func(to wire.ServerID, msg any)
	failed func(to wire.ServerID, st network.Stream, msg any, err error)
}

func (e *roleEndpoint) ID() network.NodeID { return e.f.ep.ID() }

// Send delivers a message to the node's own components locally, as
// TiCDC's message center does through its local target: messages between
// a collector and its own event service (L) never cross the network, so
// network faults do not touch them; but TiCDC's local target fails a send
// as congested when the receiving channel is full, and so does the model
// at fault.LocalCongested. Everything else goes to the network.
func (e *roleEndpoint) Send(to network.NodeID, st network.Stream, msg any) error {
	if to == e.f.ep.ID() {
		if e.f.rt.Buggify(fault.LocalCongested) {
			e.reportFailure(to, st, msg, network.ErrCongested)
			return network.ErrCongested
		}
		e.f.local(st, msg)
		e.report(to, msg)
		return nil
	}
	err := e.f.ep.Send(to, st, msg)
	if err == nil {
		e.report(to, msg)
	} else {
		e.reportFailure(to, st, msg, err)
	}
	return err
}

func (e *roleEndpoint) reportFailure(to network.NodeID, st network.Stream, msg any, err error) {
	if e.failed != nil {
		e.failed(to, st, msg, err)
	}
}

func (e *roleEndpoint) report(to network.NodeID, msg any) {
	if e.sent != nil {
		e.sent(to, msg)
	}
}

func (e *roleEndpoint) Inbox(st network.Stream) *clock.Mailbox[network.Envelope] {
	for i, s := range fanoutStreams {
		if s == st {
			return e.f.boxes[e.r][i]
		}
	}
	panic(fmt.Sprintf("cluster: no stream %q", st))
}
