package sim

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cdcsim/cdcsim/network"
)

// netEvent turns one event of the simulated network (network.Event) into
// a record. The events the text trace always showed (a random drop, a
// duplicate, a rule, the heal, a node marked down) become "net" records
// with the same text; sends, deliveries and the losses at delivery time
// become hidden "msg" records, for the timeline's message arrows, and are
// built only when a record sink listens.
func (w *World) netEvent(e network.Event) {
	text := e.Text()
	if text == "" && w.tr.sink == nil {
		return
	}
	var fields []Field
	switch e.Kind {
	case network.EvRule:
		fields = ruleFields(e.Rule)
	case network.EvHeal:
		fields = []Field{{"ev", "heal"}}
	case network.EvDown:
		fields = []Field{{"ev", "down"}, {"node", string(e.Node)}}
	default:
		fields = msgFields(e)
	}
	if text != "" {
		w.emit(w.curNode, w.current, "net", fields, "%s", text)
		return
	}
	r := w.newRecord(w.curNode, w.current, "msg")
	r.Fields, r.Hidden = fields, true
	w.tr.sink(r)
}

// msgFields are a message event's fields: what happened (ev: send, dup,
// drop, cut, lost-down, deliver, no-stream), the message's network-wide
// id (a duplicate shares its original's), its link, its type and, for a
// send, the delivery time it was given (ns).
func msgFields(e network.Event) []Field {
	f := []Field{{"ev", e.Kind.String()}, {"id", strconv.FormatUint(e.Env.ID, 10)},
		{"from", string(e.Env.From)}, {"to", string(e.Env.To)}, {"stream", string(e.Env.Stream)},
		{"type", msgType(e.Env.Msg)}}
	if e.At != 0 {
		f = append(f, Field{"at", strconv.FormatInt(int64(e.At), 10)})
	}
	if e.Kind == network.EvSend || e.Kind == network.EvDup || e.Kind == network.EvDrop {
		f = append(f, Field{"msg", clip(fmt.Sprint(e.Env.Msg), 160)})
	}
	return f
}

// ruleFields name a rule's kind, its nodes and its end (ns; 0: until the
// heal).
func ruleFields(r network.Rule) []Field {
	switch r := r.(type) {
	case network.Cut:
		return []Field{{"ev", "rule"}, {"rule", "cut"}, {"from", string(r.From)}, {"to", string(r.To)}, {"end", strconv.FormatInt(int64(r.End), 10)}}
	case network.Clog:
		return []Field{{"ev", "rule"}, {"rule", "clog"}, {"node", string(r.Node)}, {"end", strconv.FormatInt(int64(r.End), 10)}}
	}
	return []Field{{"ev", "rule"}, {"rule", fmt.Sprint(r)}}
}

// msgType is a message's Go type without its package ("DispatcherRequest").
func msgType(m any) string {
	s := fmt.Sprintf("%T", m)
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		return s[i+1:]
	}
	return strings.TrimPrefix(s, "*")
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
