package collector

import (
	"cmp"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/wire"
)

// coordinatorClient is the LogCoordinatorClient (PROTOCOL.md 1.6, 2.4): it
// asks the log coordinator for reusable remote services and, when the
// answer finds the dispatcher still in the map, starts remote probing
// (T2). A lost request or answer means the dispatcher never probes
// remotes; nothing retries it.
type coordinatorClient struct {
	c *EventCollector
	// coordinator is learned from LogCoordinatorBroadcast; "" until then.
	// Guarded by the collector's mu: the event router writes it, run
	// reads it.
	coordinator wire.ServerID
	queue       *clock.Mailbox[wire.ReusableEventServiceRequest]
}

// Retry rules of the client (PROTOCOL.md 7). The two delays are the
// defaults of Config.CoordinatorUnknownDelay and CoordinatorRetryDelay.
const (
	coordinatorUnknownDelay = time.Second
	coordinatorSendAttempts = 20
	coordinatorSendDelay    = 100 * time.Millisecond
)

func newCoordinatorClient(c *EventCollector) *coordinatorClient {
	return &coordinatorClient{c: c, queue: clock.NewUnbounded[wire.ReusableEventServiceRequest](c.rt, string(c.cfg.Node)+"/coordinator-requests")}
}

func (cc *coordinatorClient) setCoordinator(id wire.ServerID) {
	cc.c.mu.Lock()
	defer cc.c.mu.Unlock()
	cc.coordinator = id
}

// current returns the coordinator as last learned, "" if none yet.
func (cc *coordinatorClient) current() wire.ServerID {
	cc.c.mu.Lock()
	defer cc.c.mu.Unlock()
	return cc.coordinator
}

func (cc *coordinatorClient) request(r wire.ReusableEventServiceRequest) { cc.queue.Send(r) }

// run sends queued requests: while the coordinator is unknown a request
// is requeued with a 1 s sleep; once known, it gets up to 20 attempts
// 100 ms apart and is then silently given up.
func (cc *coordinatorClient) run() {
	for {
		r, ok := cc.queue.Recv()
		if !ok || cc.c.closed.Load() {
			return
		}
		if cc.current() == "" {
			cc.queue.Send(r)
			cc.c.rt.Sleep(cmp.Or(cc.c.cfg.CoordinatorUnknownDelay, coordinatorUnknownDelay))
			continue
		}
		for attempt := 1; attempt <= coordinatorSendAttempts; attempt++ {
			if cc.c.cfg.Endpoint.Send(cc.current(), wire.StreamCommand, &r) == nil {
				break
			}
			if attempt == coordinatorSendAttempts {
				cc.c.tracef("coordinator request for %s given up", r.ID)
				break
			}
			cc.c.rt.Sleep(cmp.Or(cc.c.cfg.CoordinatorRetryDelay, coordinatorSendDelay))
		}
	}
}

// handleResponse runs on the event-stream router: T2 if the dispatcher is
// still here and the feature is on.
func (cc *coordinatorClient) handleResponse(resp *wire.ReusableEventServiceResponse) {
	d := cc.c.lookup(resp.ID)
	if d == nil || !cc.c.cfg.EnableRemoteEventService || len(resp.Nodes) == 0 {
		return
	}
	d.stat.StartRemoteProbing(resp.Nodes)
}
