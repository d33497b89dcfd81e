package cluster

import (
	"time"

	"github.com/cdcsim/cdcsim/collector"
	"github.com/cdcsim/cdcsim/coordinator"
	"github.com/cdcsim/cdcsim/eventservice"
	"github.com/cdcsim/cdcsim/network"
)

// Config.Scale multiplies every interval of the model by one factor: the
// collector's heartbeat, congestion, resend, memory-release and
// coordinator-client pauses; every interval and timeout of the event
// service (scan, Ready back-off, sweep, heartbeat timeout, resolved
// flush, signal resolved, send retry, state upload); the coordinator's
// broadcast and upload intervals; the upstream's transaction spacing and
// resolved-ts tick; the sink's flush delay; and the merge task's poll.
// Counts (workers, batch sizes, attempts) and the 1 ms floor between two
// commits of a table (the Ts resolution) are not scaled.
//
// Scale 1, and 0 (a Config built without DefaultConfig), leave every
// component configuration exactly as it was, so simulated runs keep
// their hashes.

// scaled returns d times the scale, at least 1 ns so that a scaled knob
// never reads as "zero: use the default".
func (c Config) scaled(d time.Duration) time.Duration {
	if c.Scale == 0 || c.Scale == 1 || d == 0 {
		return d
	}
	return max(time.Duration(float64(d)*c.Scale), 1)
}

func (c Config) unscaled() bool { return c.Scale == 0 || c.Scale == 1 }

func (c Config) scaleCollector(cc collector.Config) collector.Config {
	for _, d := range []*time.Duration{&cc.HeartbeatInterval, &cc.CongestionInterval, &cc.ResendDelay,
		&cc.CongestedDelay, &cc.ReleaseInterval, &cc.CoordinatorUnknownDelay, &cc.CoordinatorRetryDelay, &cc.StuckWindow} {
		*d = c.scaled(*d)
	}
	return cc
}

func (c Config) scaleEventService(ec eventservice.Config) eventservice.Config {
	if c.unscaled() {
		return ec
	}
	ec = ec.WithDefaults()
	for _, d := range []*time.Duration{&ec.ScanInterval, &ec.ResetScanCost, &ec.ReadyStartInterval, &ec.ReadyMaxInterval,
		&ec.SweepInterval, &ec.HeartbeatTimeout, &ec.ResolvedFlushInterval, &ec.SignalResolvedInterval,
		&ec.SendRetry, &ec.StateUploadInterval, &ec.LargeTxnCleanupRetryInterval} {
		*d = c.scaled(*d)
	}
	return ec
}

func (c Config) scaleCoordinator(cc coordinator.Config) coordinator.Config {
	if c.unscaled() {
		return cc
	}
	cc = cc.WithDefaults()
	cc.BroadcastInterval, cc.UploadInterval = c.scaled(cc.BroadcastInterval), c.scaled(cc.UploadInterval)
	return cc
}

func (c Config) scaledUpstream() UpstreamConfig {
	u := c.Upstream
	u.TxnEvery, u.Tick = c.scaled(u.TxnEvery), c.scaled(u.Tick)
	return u
}

func (c Config) scaledSinkFlush() network.Dist {
	f := c.SinkFlush
	f.A, f.B = c.scaled(f.A), c.scaled(f.B)
	return f
}
