package network

// The network's coverage points: one per fault kind per stream,
// "net/<kind>/<stream>" ("net/drop/event", "net/clog/command"), recorded
// on the simulated network only (clock.CoverFunc is nil in real mode). A
// point counts what happened to a copy of a message, not a rule: a
// partition that cuts no message is not covered. The names of a link are
// built once, when it is created, so a hit allocates nothing.
type faultKind int

const (
	faultDrop      faultKind = iota // random loss (DropP)
	faultDup                        // duplicated (DupP)
	faultDelay                      // a latency spike (SpikeP)
	faultPartition                  // lost to a partition rule, at send or delivery
	faultClog                       // held back by a clog rule at delivery
	faultDown                       // lost to a down or restarted receiver
	faultCongested                  // send refused: congested (CongestedP)
	faultNotReady                   // send refused: not ready (NotReadyP)
	faultFull                       // send refused: link at capacity
	numFaultKinds
)

var faultNames = [numFaultKinds]string{ //dst:allow package-state: a read-only table
	"drop", "dup", "delay", "partition", "clog", "down", "congested", "not-ready", "full",
}

// coverFault records fault k on l's stream.
func (l *link) coverFault(k faultKind) {
	if l.net.cover == nil {
		return
	}
	if l.points == nil {
		l.points = new([numFaultKinds]string)
		for i, n := range faultNames {
			l.points[i] = "net/" + n + "/" + string(l.key.stream)
		}
	}
	l.net.cover(l.points[k])
}

// covered records the synchronous failure err of a send on l.
func (l *link) covered(err error) {
	switch err {
	case l.errFull:
		l.coverFault(faultFull)
	case l.errCongested:
		l.coverFault(faultCongested)
	case l.errNotReady:
		l.coverFault(faultNotReady)
	}
}
