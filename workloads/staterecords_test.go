package workloads_test

import (
	"testing"

	"github.com/cdcsim/cdcsim/sim"
	"github.com/stretchr/testify/require"
)

// Records are observations: the merge workload (faults, crashes, merges)
// hashes the same with a record sink as without, the sink sees state
// records of the dispatchers, and every state record names a state of
// PROTOCOL.md 1.4's table (or "closed"), never an unreachable one
// outside a transition.
func TestRecordsLeaveTheHashAlone(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		cfg := sim.DeriveConfig(seed)
		plain := sim.Run(cfg, mergeBody)
		w := sim.New(cfg)
		states, msgs := 0, 0
		w.RecordTo(func(r sim.Record) {
			switch r.Kind {
			case "state":
				states++
				if r.Get("busy") == "" {
					require.NotContains(t, r.Get("state"), "unreachable", "seed %d step %d: %v", seed, r.Step, r.Fields)
				}
			case "msg":
				msgs++
			}
		})
		rec := w.Run(func() { mergeBody(w) })
		require.Equal(t, plain.Hash, rec.Hash, "seed %d: recording moved the hash", seed)
		require.Positive(t, states, "seed %d: no state record", seed)
		require.Positive(t, msgs, "seed %d: no message record", seed)
	}
}
