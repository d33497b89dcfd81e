package cluster_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
)

// fingerprint is what a Watch promises to report a change of: the sink's
// state and the session's Version (a session that has not run a
// transition yet counts as absent: it is in its initial state).
type fingerprint struct {
	handed, flushed, late int
	cp                    wire.Ts
	removed               bool
	version               uint64
}

func fingerprintOf(c *cluster.Cluster, d *cluster.Dispatcher) fingerprint {
	f := fingerprint{handed: len(d.Handed), flushed: len(d.Flushed), late: d.LateBatches, cp: d.CheckpointTs(), removed: d.Removed}
	if n := c.Node(d.Node()); n.Collector != nil {
		if st, ok := n.Collector.Stat(d.ID()); ok {
			f.version = st.Version()
		}
	}
	return f
}

// After every step of two-minute runs under the swarm's faults (node
// crashes, partitions, tables removed and added again), every dispatcher
// whose fingerprint moved is in the watch's list: the incremental
// checkers, which look only at what the watch lists, miss nothing a full
// walk would see.
func TestWatchListsEveryChange(t *testing.T) {
	sim.Test(t, func(w *sim.World) {
		cfg := cluster.DefaultConfig()
		cfg.Variants, cfg.Trace = w.Config().Variants, w.TraceFunc()
		nodes := map[wire.ServerID]*sim.Node{}
		c := cluster.New(w, w.Network(), func(name string, boot func()) { nodes[wire.ServerID(name)] = w.NewNode(name, boot) }, cfg)
		watch := c.Watch()
		var prev []fingerprint
		var buf []*cluster.Dispatcher
		listed, changes := map[int]bool{}, 0
		w.Invariant("watch lists every change", 1, func() error {
			clear(listed)
			buf = c.TakeChanged(watch, buf[:0])
			for _, d := range buf {
				listed[d.Index] = true
			}
			for i, d := range c.Dispatchers {
				f := fingerprintOf(c, d)
				if i < len(prev) && f != prev[i] {
					changes++
					if !listed[i] {
						return fmt.Errorf("dispatcher %s changed from %+v to %+v, not listed", d.ID(), prev[i], f)
					}
				}
				if i < len(prev) {
					prev[i] = f
				} else {
					prev = append(prev, f)
				}
			}
			return nil
		})
		w.Sleep(time.Second)
		for table := int64(1); table <= 6; table++ {
			c.AddDispatcher(c.Nodes()[int(table)%len(c.Nodes())], c.TableSpan(table), cluster.TsAt(w.Now()))
		}
		w.StartFaults()
		for i := 0; i < 24; i++ {
			w.Sleep(5 * time.Second)
			for _, n := range c.Nodes() {
				if ds := c.NodeDispatchers(n); nodes[n.ID].Up() && len(ds) > 0 {
					c.RemoveDispatcher(ds[0])
					c.AddDispatcher(n, ds[0].Span(), cluster.TsAt(w.Now()))
					break
				}
			}
		}
		w.Heal()
		w.Sleep(10 * time.Second)
		if changes == 0 {
			panic("no change was seen: the test checks nothing")
		}
	}, sim.Seeds(10), sim.Configure(func(c *sim.Config) {
		allPatches(c)
		if err := c.Set("node.crash-every", "30s"); err != nil { // every run restarts nodes
			panic(err)
		}
	}))
}
