package dst

import "strconv"

// Message fates in timeline.Msgs.
const (
	fateDelivered = iota
	fateDropped
	fateCut
	fateLost
	fateInFlight
)

// net folds in a network record (sim's "net" and hidden "msg" records,
// whose ev field says what happened): a send or duplicate opens a
// message copy, its delivery or loss closes the oldest open copy of the
// same id; a random drop or a cut at send time is a message that never
// left; a rule opens a band, the heal closes them all.
func (b *builder) net(r *traceRec) {
	f := r.F
	switch ev := f["ev"]; ev {
	case "send", "dup":
		dup := 0
		if ev == "dup" {
			dup = 1
		}
		b.pending[f["id"]] = append(b.pending[f["id"]], len(b.tl.Msgs))
		b.tl.Msgs = append(b.tl.Msgs, []int{int(r.Step), int(b.tl.Steps), b.node(f["from"]), b.node(f["to"]), fateInFlight, b.msgType(f["type"]), dup})
	case "drop", "cut", "lost-down", "no-stream", "deliver":
		fate := map[string]int{"drop": fateDropped, "cut": fateCut, "lost-down": fateLost, "no-stream": fateLost, "deliver": fateDelivered}[ev]
		if q := b.pending[f["id"]]; len(q) > 0 {
			m := b.tl.Msgs[q[0]]
			m[1], m[4] = int(r.Step), fate
			if len(q) == 1 {
				delete(b.pending, f["id"])
			} else {
				b.pending[f["id"]] = q[1:]
			}
			return
		}
		// Lost when sent: it never entered a link.
		b.tl.Msgs = append(b.tl.Msgs, []int{int(r.Step), int(r.Step), b.node(f["from"]), b.node(f["to"]), fate, b.msgType(f["type"]), 0})
	case "rule":
		b.rule(r)
	case "heal":
		b.closeBands(r.Step, -1)
	}
}

func (b *builder) msgType(t string) int { return intern(b.typeIdx, &b.tl.Types, t) }

// rule opens a band for a partition (cut, one direction) or a clog.
func (b *builder) rule(r *traceRec) {
	end, _ := strconv.ParseInt(r.F["end"], 10, 64)
	var band []any
	switch r.F["rule"] {
	case "cut":
		band = []any{r.Step, b.tl.Steps, b.node(r.F["from"]), b.node(r.F["to"]), "cut", "partition " + r.F["from"] + " -> " + r.F["to"]}
	case "clog":
		band = []any{r.Step, b.tl.Steps, b.node(r.F["node"]), -1, "clog", "clog " + r.F["node"]}
	default:
		return
	}
	b.open = append(b.open, openBand{idx: len(b.tl.Bands), end: end})
	b.tl.Bands = append(b.tl.Bands, band)
}

// closeBands ends the bands whose time is up at (step, t); t < 0 (the
// heal) ends every band.
func (b *builder) closeBands(step uint64, t int64) {
	kept := b.open[:0]
	for _, ob := range b.open {
		if t < 0 || ob.end != 0 && t >= ob.end {
			b.tl.Bands[ob.idx][1] = step
			continue
		}
		kept = append(kept, ob)
	}
	b.open = kept
}
