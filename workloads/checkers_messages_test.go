package workloads

import (
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// A clean run saw the services' sends (cluster.ObservedSent): every
// dispatcher got a Ready from L after its REGISTER, within budget.
func TestMessageBudgetsSeeCleanRun(t *testing.T) {
	quietCluster(t, func(w *sim.World, r *Run) {
		require.NoError(t, CheckI15NoWastedWork(r.C, r.State))
		for _, d := range r.C.Dispatchers {
			rc := r.State.msgs.readies[serviceKey{d.ID(), d.Node()}]
			require.NotNil(t, rc, "dispatcher %s: no Ready seen from L", d.ID())
			require.Positive(t, rc.n)
		}
		require.NotEmpty(t, r.State.msgs.batches, "no data event seen")
	})
}

// I15's message budgets fire on a Ready storm (a REGISTER restarts the
// count; time raises the budget), and on a DML batch cut short and
// followed at once by the next seq; a short batch ended by another
// event, or followed later, passes.
func TestCheckI15FiresOnMessageStorms(t *testing.T) {
	quietCluster(t, func(w *sim.World, r *Run) {
		now := w.Now()
		st := NewCheckState()
		st.now = func() clock.Time { return now }
		*st.limits = Limits{Messages: MessageBudget{Readies: 3, ReadyEvery: 10 * time.Second, MaxDMLBatch: 4}}
		sent := func(m any) {
			o := cluster.Observation{Kind: cluster.ObservedSent, Node: "n1", To: "n2", Msg: m}
			if ev, ok := m.(wire.Event); ok {
				o.Dispatcher = ev.Dispatcher()
			}
			st.Observe(o)
		}
		register := func() {
			st.Observe(cluster.Observation{Kind: cluster.ObservedRequest, Node: "n2", To: "n1", Dispatcher: 7,
				Msg: &wire.DispatcherRequest{DispatcherID: 7, ServerID: "n2", Action: wire.ActionRegister, OnlyReuse: true}})
		}
		register()
		for range 3 {
			sent(&wire.ReadyEvent{DispatcherID: 7})
		}
		require.NoError(t, CheckI15NoWastedWork(r.C, st))
		register() // a new record: a new back-off
		for range 3 {
			sent(&wire.ReadyEvent{DispatcherID: 7})
		}
		now = now.Add(10 * time.Second)
		sent(&wire.ReadyEvent{DispatcherID: 7})
		require.NoError(t, CheckI15NoWastedWork(r.C, st), "3 + 1 per 10 s")
		sent(&wire.ReadyEvent{DispatcherID: 7})
		require.ErrorContains(t, CheckI15NoWastedWork(r.C, st), "5 Readies in the 10s since its last REGISTER there, over its budget of 4")

		batch := func(from, n uint64) *wire.BatchDMLEvent {
			b := &wire.BatchDMLEvent{DispatcherID: 7}
			for i := range n {
				b.DMLs = append(b.DMLs, wire.DMLEvent{DispatcherID: 7, Epoch: 1, Seq: from + i})
			}
			return b
		}
		st.msgs.err = nil
		sent(batch(2, 4))
		sent(batch(6, 2))
		sent(&wire.DDLEvent{DispatcherID: 7, Epoch: 1, Seq: 8})
		sent(batch(9, 1))
		now = now.Add(50 * time.Millisecond)
		sent(batch(10, 4))
		require.NoError(t, CheckI15NoWastedWork(r.C, st), "cut at the batch size, at a DDL, at a scan's end")
		sent(batch(14, 1))
		sent(batch(15, 3))
		require.ErrorContains(t, CheckI15NoWastedWork(r.C, st), "into a batch of 1 (up to seq 14) and the next at once, below its batch size 4")
	})
}
