package sim

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// recordedRun runs the gossip program under harsh faults with a Buggify
// site and a note per heartbeat round, with the text trace and a record
// sink both on.
func recordedRun(seed uint64) (text bytes.Buffer, recs []Record, res *Result) {
	w := New(harshConfig(seed))
	w.TraceTo(&text)
	w.RecordTo(func(r Record) { recs = append(recs, r) })
	res = w.Run(func() {
		w.Go("noter", func() {
			for i := 0; !w.healed; i++ {
				w.Buggify("record-test")
				w.Tracef("round %d", i)
				w.Sleep(time.Second)
			}
		})
		gossipProgram(w, func(string, string) bool { return true })
	})
	return text, recs, res
}

// The text trace is rendered from the records: writing the visible
// records' lines gives the text trace byte for byte, and the run hashes
// as an untraced, unrecorded one.
func TestRecordsRenderTheTextTrace(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		text, recs, res := recordedRun(seed)
		var rendered bytes.Buffer
		kinds := map[string]int{}
		for i := range recs {
			kinds[recs[i].Kind+"/"+recs[i].Get("ev")]++
			if !recs[i].Hidden {
				recs[i].WriteLine(&rendered)
			}
		}
		require.Equal(t, text.String(), rendered.String(), "seed %d", seed)
		plain := Run(harshConfig(seed), func(w *World) {
			w.Go("noter", func() {
				for i := 0; !w.healed; i++ {
					w.Buggify("record-test")
					w.Tracef("round %d", i)
					w.Sleep(time.Second)
				}
			})
			gossipProgram(w, func(string, string) bool { return true })
		})
		require.Equal(t, plain.Hash, res.Hash, "seed %d: recording moved the hash", seed)
		for _, k := range []string{"run/", "msg/send", "msg/deliver", "note/", "net/heal"} {
			require.NotZero(t, kinds[k], "seed %d: no %s record (%v)", seed, k, kinds)
		}
	}
}

// A message's send and delivery records share its id and name its link,
// and every delivered id was sent before.
func TestRecordsPairSendsWithDeliveries(t *testing.T) {
	_, recs, _ := recordedRun(3)
	sent := map[string]Record{}
	delivered := 0
	for _, r := range recs {
		switch r.Get("ev") {
		case "send":
			sent[r.Get("id")] = r
			require.NotEmpty(t, r.Get("at"))
		case "deliver":
			s, ok := sent[r.Get("id")]
			require.True(t, ok, "delivery of unsent message %s", r.Get("id"))
			require.Equal(t, s.Get("to"), r.Get("to"))
			require.LessOrEqual(t, s.Step, r.Step)
			delivered++
		}
	}
	require.NotZero(t, delivered)
}

// A record's JSON line decodes with encoding/json to the same columns.
func TestRecordJSON(t *testing.T) {
	r := Record{Step: 7, Time: 1500, Node: "n1", TaskID: 3, Task: "t<x>", Kind: "note",
		Text: "quote \" backslash \\ nl \n bad \xff", Fields: []Field{{"a", "1"}, {"b", "é"}}}
	var got struct {
		Step   uint64
		T      int64
		Node   string
		Tid    uint64
		Task   string
		Kind   string
		Text   string
		F      map[string]string
		Hidden bool
	}
	require.NoError(t, json.Unmarshal(r.AppendJSON(nil), &got))
	require.Equal(t, uint64(7), got.Step)
	require.Equal(t, int64(1500), got.T)
	require.Equal(t, "t<x>", got.Task)
	require.Equal(t, "quote \" backslash \\ nl \n bad \ufffd", got.Text)
	require.Equal(t, map[string]string{"a": "1", "b": "é"}, got.F)
}
