package dst

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// syntheticRecords is a small run in sim.Record's JSON form: a send and
// its duplicate, both delivered; a random drop; a partition that the
// heal ends; a crash and a restart; a dispatcher's two states; the
// failure.
const syntheticRecords = `{"step":1,"t":0,"node":"main","kind":"spawn","text":"task=2 boot","f":{"tid":"2","name":"boot","on":"n1"}}
{"step":2,"t":10,"node":"n1","tid":2,"task":"boot","kind":"run","text":"task=2 boot"}
{"step":3,"t":10,"node":"n1","tid":2,"task":"boot","kind":"msg","f":{"ev":"send","id":"1","from":"n1","to":"n2","stream":"s","type":"Ping","at":"50"},"hidden":true}
{"step":3,"t":10,"node":"n1","tid":2,"task":"boot","kind":"net","text":"net dup #1","f":{"ev":"dup","id":"1","from":"n1","to":"n2","stream":"s","type":"Ping","at":"60"}}
{"step":4,"t":20,"node":"n1","tid":2,"task":"boot","kind":"net","text":"net drop #2","f":{"ev":"drop","id":"2","from":"n1","to":"n2","stream":"s","type":"Ping"}}
{"step":5,"t":20,"node":"main","kind":"net","text":"net rule cut(n1->n2)","f":{"ev":"rule","rule":"cut","from":"n1","to":"n2","end":"0"}}
{"step":6,"t":50,"node":"main","kind":"msg","f":{"ev":"deliver","id":"1","from":"n1","to":"n2","stream":"s","type":"Ping"},"hidden":true}
{"step":7,"t":60,"node":"main","kind":"msg","f":{"ev":"deliver","id":"1","from":"n1","to":"n2","stream":"s","type":"Ping"},"hidden":true}
{"step":8,"t":60,"node":"main","kind":"state","f":{"d":"d7","node":"n2","state":"WaitLocal","epoch":"0","current":"","busy":""},"hidden":true}
{"step":9,"t":70,"node":"main","kind":"crash","text":"node=n2 tasks=1","f":{"node":"n2"}}
{"step":10,"t":80,"node":"main","kind":"phase","text":"heal"}
{"step":10,"t":80,"node":"main","kind":"net","text":"net heal","f":{"ev":"heal"}}
{"step":11,"t":90,"node":"main","kind":"restart","text":"node=n2 incarnation=2","f":{"node":"n2"}}
{"step":12,"t":90,"node":"main","kind":"state","f":{"d":"d7","node":"n2","state":"OnLocal","epoch":"1","current":"n2","busy":""},"hidden":true}
{"step":13,"t":95,"node":"main","kind":"FAIL","text":"safety: boom","f":{"kind":"safety","message":"boom </script>"}}
`

func TestBuildTimeline(t *testing.T) {
	tl, err := buildTimeline(strings.NewReader(syntheticRecords), 13)
	require.NoError(t, err)
	require.Equal(t, []string{"main", "n1", "n2"}, tl.Nodes)
	// The send and its duplicate are delivered at steps 6 and 7; the drop
	// never left n1.
	require.Equal(t, [][]int{{3, 6, 1, 2, fateDelivered, 0, 0}, {3, 7, 1, 2, fateDelivered, 0, 1}, {4, 4, 1, 2, fateDropped, 0, 0}}, tl.Msgs)
	require.Equal(t, []string{"Ping"}, tl.Types)
	// The partition lasts until the heal.
	require.Len(t, tl.Bands, 1)
	require.Equal(t, []any{uint64(5), uint64(10), 1, 2, "cut", "partition n1 -> n2"}, tl.Bands[0])
	kinds := []string{}
	for _, m := range tl.Marks {
		kinds = append(kinds, m[3].(string))
	}
	require.Equal(t, []string{"crash", "heal", "restart", "fail"}, kinds)
	require.Len(t, tl.Disps, 1)
	require.Equal(t, "d7", tl.Disps[0].ID)
	require.Equal(t, 2, tl.Disps[0].Node)
	require.Equal(t, []string{"WaitLocal", "OnLocal"}, tl.States)
	require.Len(t, tl.Disps[0].Segs, 2)
	require.Equal(t, &tlFailure{Step: 13, Time: "0.000000095s", Node: 0, Kind: "safety", Message: "boom </script>"}, tl.Failure)
	require.Equal(t, []*tlTask{{ID: 2, Name: "boot", Node: 1, From: 1, To: 13, Runs: []int{2, 1}}}, tl.Tasks)
	require.LessOrEqual(t, tl.Window[0], uint64(13))
	require.GreaterOrEqual(t, tl.Window[1], uint64(13))
	// The tail is the text trace's visible lines, ending with the FAIL.
	require.Contains(t, tl.Tail[len(tl.Tail)-1], "FAIL     safety: boom")
	require.NotContains(t, strings.Join(tl.Tail, "\n"), "deliver")

	page, err := renderTimeline(tl)
	require.NoError(t, err)
	require.Equal(t, 2, strings.Count(string(page), "</script>"), "the two script elements close; the data's </script> is escaped")
	require.NotContains(t, string(page), "boom </script>", "the data can close its script element")
	require.NotContains(t, string(page), "http://")
	require.NotContains(t, string(page), "https://")
}

// A run with nothing to draw still gives the page empty lists, never
// JSON null, which the page's script could not iterate.
func TestTimelineEmptyListsAreLists(t *testing.T) {
	tl, err := buildTimeline(strings.NewReader(`{"step":1,"t":0,"node":"main","kind":"note","text":"hello"}`+"\n"), 1)
	require.NoError(t, err)
	page, err := renderTimeline(tl)
	require.NoError(t, err)
	nulls := regexp.MustCompile(`"(pins|marks|bands|msgs|types|states|disps|tasks|tail)":null`).FindAllString(string(page), -1)
	require.Empty(t, nulls)
	require.Contains(t, string(page), `"bands":[]`)
}

// A page carries at most maxMsgs arrows, the latest ones.
func TestTimelineCapsMessages(t *testing.T) {
	var b strings.Builder
	for i := range maxMsgs + 5 {
		b.WriteString(`{"step":` + itoa(i+1) + `,"t":1,"node":"n1","kind":"net","text":"net drop","f":{"ev":"drop","id":"` + itoa(i+1) + `","from":"n1","to":"n2","type":"P"}}` + "\n")
	}
	tl, err := buildTimeline(strings.NewReader(b.String()), maxMsgs+5)
	require.NoError(t, err)
	require.Len(t, tl.Msgs, maxMsgs)
	require.Equal(t, 5, tl.MsgsOmitted)
	require.Equal(t, 6, tl.Msgs[0][0], "the earliest messages are the ones left out")
}

// dst timeline writes the page of a fixture seed, and replay --html
// writes the same page beside its trace.
func TestTimelineCommand(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "t.html")
	code, out, errOut := dst(t, "timeline", "--pkg", fixture, "--workload", "TestFixture", "--seed", "26", "--set", "faults=lite", "-o", page)
	require.Equal(t, ExitClean, code, "%s\n%s", out, errOut)
	require.Contains(t, out, "TestFixture seed 26: fail")
	data, err := os.ReadFile(page)
	require.NoError(t, err)
	require.Contains(t, string(data), "planted failure on a multiple of 13")
	require.Contains(t, string(data), `"workload":"TestFixture"`)

	page2 := filepath.Join(dir, "r.html")
	code, out, errOut = dst(t, "replay", "--pkg", fixture, "--workload", "TestFixture", "--seed", "26", "--set", "faults=lite", "--html", page2)
	require.Equal(t, ExitFailures, code, "replay exits 1 on a failing seed, page or not\n%s\n%s", out, errOut)
	require.Contains(t, out, "timeline written to "+page2)
	require.Regexp(t, `(?m)^\s+\d+ +\S+s +\S+ +run +task=`, out, "replay --html still prints the trace")
	data2, err := os.ReadFile(page2)
	require.NoError(t, err)
	require.Equal(t, strings.Replace(string(data), "-o t.html", "-o r.html", 1), string(data2), "the two commands' pages differ")

	code, _, errOut = dst(t, "timeline", "--pkg", fixture, "--workload", "TestFixture", "--seed", "26")
	require.Equal(t, ExitUsage, code, errOut)
}
