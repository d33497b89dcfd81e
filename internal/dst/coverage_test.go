package dst

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/cdcsim/cdcsim/sim"
	"github.com/stretchr/testify/require"
)

// A sweep's records carry their coverage and Sometimes, the stats sum
// them, and the summary prints the points reached, the rarest, and each
// Sometimes no seed reached.
func TestRunSummarisesCoverage(t *testing.T) {
	path, out := sweepFixture(t, "--workload", "^TestFixture$")
	_, recs, err := ReadReport(path)
	require.NoError(t, err)
	for _, r := range recs {
		if r.Kind == KindCrash || r.Kind == KindTimeout {
			continue
		}
		require.NotEmpty(t, r.Cover, "seed %d has no coverage", r.Seed)
		require.Contains(t, r.Sometimes, "fixture/never")
	}
	stats := NewStats([]string{"TestFixture"})
	for i := range recs {
		stats.Add(&recs[i])
	}
	require.Equal(t, 30, stats.Coverage.Seeds)
	require.Equal(t, 30, stats.Coverage.Sometimes["fixture/never"].Asked)
	require.Contains(t, stats.Coverage.Never(), "fixture/never")
	require.Contains(t, out, "coverage: ")
	require.Contains(t, out, `sometimes never reached: "fixture/never" (asked by 30 seeds)`)
	require.Contains(t, out, "rarest: fixture/")
	require.Contains(t, out, "session (state x T1-T10): 0 of 90 known points reached")
}

// A results file of format version 1 (before coverage) is still read:
// its records simply carry no coverage. Another version is refused with
// the versions this dst reads.
func TestReportVersions(t *testing.T) {
	v1 := `{"dst":1,"binary":"abc","go":"go1.26","pkg":"./w","workloads":["TestA"],"start":1,"seeds":2,"block":1,"set":[],"recheck":true,"started":"x"}
{"v":1,"test":"TestA","seed":1,"outcome":"pass","steps":10,"vtime_ns":5,"hash":"0123456789abcdef"}
{"v":1,"test":"TestA","seed":2,"outcome":"fail","kind":"safety","message":"m","steps":10,"vtime_ns":5,"hash":"0123456789abcdef"}
`
	h, recs, err := parseReport("old.jsonl", []byte(v1))
	require.NoError(t, err)
	require.Equal(t, 1, h.DST)
	require.Len(t, recs, 2)
	require.Nil(t, recs[0].Cover)
	stats := NewStats(h.Workloads)
	for i := range recs {
		stats.Add(&recs[i])
	}
	var out bytes.Buffer
	stats.Print(&out, h, "")
	require.NotContains(t, out.String(), "coverage:", "no coverage summary without coverage")

	v3 := bytes.Replace([]byte(v1), []byte(`{"dst":1`), []byte(`{"dst":3`), 1)
	_, _, err = parseReport("new.jsonl", v3)
	require.ErrorContains(t, err, "results format version 3; this dst reads versions 1 and 2")
	line3 := bytes.Replace([]byte(v1), []byte(`{"v":1,"test":"TestA","seed":2`), []byte(`{"v":3,"test":"TestA","seed":2`), 1)
	_, _, err = parseReport("new.jsonl", line3)
	require.ErrorContains(t, err, "new.jsonl:3: result line version 3")
}

// A version-2 record round-trips through the results file with its
// coverage, Sometimes, configuration and guided pins.
func TestRecordRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.jsonl")
	h := &Header{DST: FormatVersion, Binary: "abc", Pkg: "./w", Workloads: []string{"TestA"}, Block: 1, Set: []string{"patch="}, Guided: true}
	w, err := Create(path, h)
	require.NoError(t, err)
	rec := Record{JSONResult: sim.JSONResult{Version: sim.JSONVersion, Test: "TestA", Seed: 7, Outcome: "pass", Hash: "0123456789abcdef",
		Cover: map[string]uint64{"a/b": 3}, Sometimes: map[string]bool{"x": true, "y": false}, Config: []string{"strategy=pct"}},
		Pins: []string{"strategy=pct", "net.drop=0.1"}, Parent: 3}
	require.NoError(t, w.Write(&rec))
	require.NoError(t, w.Close())
	h2, recs, err := ReadReport(path)
	require.NoError(t, err)
	require.True(t, h2.Guided)
	require.Equal(t, []Record{rec}, recs)
	require.Equal(t, []string{"patch=", "strategy=pct", "net.drop=0.1"}, recordHeader(h2, &recs[0]).Set)
	require.Equal(t, []string{"patch="}, h2.Set, "recordHeader does not touch the header")
	data, _ := os.ReadFile(path)
	require.Contains(t, string(data), `"cover":{"a/b":3}`)
}
