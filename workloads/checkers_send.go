package workloads

import (
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/eventservice"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/wire"
)

// I26: the event service never gives up an event message because the
// stream was congested. TiCDC's eventBroker.sendMsg
// (pkg/eventservice/event_broker.go) sleeps congestedRetryInterval, 10
// ms, and sends the same message again, until it goes or fails for
// another reason; only then is it dropped, and the collector finds the
// gap by seq. A service that drops a congested message costs its
// dispatcher a RESET and a rescan, which recover, and congestion is one
// of the disruptions I15's budget forgives, so no other check sees it:
// `dst mutate` found such a mutant alive (FINDINGS.md, "The 8
// survivors"). The checker follows each refused message by identity
// (cluster.ObservedSendFailed, then the next attempt's ObservedSent or
// ObservedSendFailed of the same message).

// retryWithin is I26's bound: a congested message is attempted again
// within a second of virtual time, a hundred times TiCDC's retry
// interval (and the model's eventservice.Config.SendRetry at Scale 1):
// the worker does nothing but sleep in between, so any slack covers it.
const retryWithin = time.Second

// sendState is I26's run-wide state.
type sendState struct {
	// pending are the messages refused as congested and not attempted
	// since, in refusal order.
	pending []congestedSend
	// refused counts the congested refusals seen (for the planted test
	// and the doc's measurements); peak is the longest wait seen between
	// a refusal and the next attempt.
	refused uint64
	peak    time.Duration
	i26     error
}

// congestedSend is one message a service's send refused as congested.
type congestedSend struct {
	node, to wire.ServerID
	// svc is the sending service's incarnation: a crash ends its
	// workers, and with them the retry.
	svc *eventservice.Service
	msg any
	at  clock.Time
}

// observeSendFailed records a refused event-stream send of a service.
func (st *CheckState) observeSendFailed(o cluster.Observation) {
	if st.now == nil {
		return
	}
	st.attempted(o.Node, o.Msg)
	if !errors.Is(o.Err, network.ErrCongested) || !trackable(o.Msg) {
		return // dropped for another reason, as TiCDC drops it
	}
	s := &st.sends
	s.refused++
	var svc *eventservice.Service
	if st.c != nil {
		svc = st.c.Node(o.Node).Service
	}
	s.pending = append(s.pending, congestedSend{node: o.Node, to: o.To, svc: svc, msg: o.Msg, at: st.now()})
}

// attempted clears a pending refusal of msg by node: the message was
// attempted again.
func (st *CheckState) attempted(node wire.ServerID, msg any) {
	s := &st.sends
	if len(s.pending) == 0 || !trackable(msg) {
		return
	}
	for i, p := range s.pending {
		if p.node == node && p.msg == msg {
			s.peak = max(s.peak, st.now().Sub(p.at))
			s.pending = append(s.pending[:i], s.pending[i+1:]...)
			return
		}
	}
}

// trackable: only a message held by pointer has an identity to follow
// (and compares without panicking).
func trackable(msg any) bool {
	return msg != nil && reflect.TypeOf(msg).Kind() == reflect.Pointer
}

// CheckI26CongestedSendRetried: every event message a service's send
// refused as congested is attempted again within retryWithin, unless
// the service crashed since (its workers are gone). See the package
// comment of this file for the rule's source.
func CheckI26CongestedSendRetried(c *cluster.Cluster, st *CheckState) error {
	s := &st.sends
	if s.i26 != nil || len(s.pending) == 0 || st.now == nil {
		return s.i26
	}
	now := st.now()
	kept := s.pending[:0]
	for _, p := range s.pending {
		if n := c.Node(p.node); n.Service != p.svc || !st.nodeUp(p.node) {
			continue // the service crashed: nobody is left to retry
		}
		if now.Sub(p.at) > retryWithin && s.i26 == nil {
			s.i26 = fmt.Errorf("event service %s: %T to %s refused as congested %s ago and never sent again (TiCDC retries it every 10 ms)",
				p.node, p.msg, p.to, now.Sub(p.at))
		}
		kept = append(kept, p)
	}
	s.pending = kept
	return s.i26
}

// SendRetryPeak returns how many congested refusals I26 followed and the
// longest time one waited for its next attempt.
func (st *CheckState) SendRetryPeak() (refused uint64, longest time.Duration) {
	return st.sends.refused, st.sends.peak
}
