package collector

import (
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
	c           *EventCollector
	coordinator wire.ServerID // learned from LogCoordinatorBroadcast; "" until then
	queue       *clock.Mailbox[wire.ReusableEventServiceRequest]
}

// Retry rules of the client (PROTOCOL.md 7).
const (
	coordinatorUnknownDelay = time.Second
	coordinatorSendAttempts = 20
	coordinatorSendDelay    = 100 * time.Millisecond
)

func newCoordinatorClient(c *EventCollector) *coordinatorClient {
	return &coordinatorClient{c: c, queue: clock.NewUnbounded[wire.ReusableEventServiceRequest](c.rt, string(c.cfg.Node)+"/coordinator-requests")}
}

func (cc *coordinatorClient) setCoordinator(id wire.ServerID) { cc.coordinator = id }

func (cc *coordinatorClient) request(r wire.ReusableEventServiceRequest) { cc.queue.Send(r) }

// run sends queued requests: while the coordinator is unknown a request
// is requeued with a 1 s sleep; once known, it gets up to 20 attempts
// 100 ms apart and is then silently given up.
func (cc *coordinatorClient) run() {
	for {
		r, ok := cc.queue.Recv()
		if !ok {
			return
		}
		if cc.coordinator == "" {
			cc.queue.Send(r)
			cc.c.rt.Sleep(coordinatorUnknownDelay)
			continue
		}
		for attempt := 1; attempt <= coordinatorSendAttempts; attempt++ {
			if cc.c.cfg.Endpoint.Send(cc.coordinator, wire.StreamCommand, &r) == nil {
				break
			}
			if attempt == coordinatorSendAttempts {
				cc.c.tracef("coordinator request for %s given up", r.ID)
				break
			}
			cc.c.rt.Sleep(coordinatorSendDelay)
		}
	}
}

// handleResponse runs on the event-stream router: T2 if the dispatcher is
// still here and the feature is on.
func (cc *coordinatorClient) handleResponse(resp *wire.ReusableEventServiceResponse) {
	d := cc.c.dispatcherMap[resp.ID]
	if d == nil || !cc.c.cfg.EnableRemoteEventService || len(resp.Nodes) == 0 {
		return
	}
	d.stat.StartRemoteProbing(resp.Nodes)
}
