package dst

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// The fuzz targets of dst's parsers: --shard specs, the results file of
// dst run (ReadReport) and of dst mutate (ReadMutateReport). Whatever
// the bytes, a parser refuses them with an input error (exit status 2,
// UsageError) or accepts them; it never panics. What it accepts prints
// back, line by line, as a file that parses to what prints the same.

// FuzzParseShard parses arbitrary --shard values. An accepted shard is
// within its invariant (0 <= I < N) and prints as a spec that parses to
// the same shard; the whole plan (N = 1) prints as "".
func FuzzParseShard(f *testing.F) {
	for _, s := range []string{"0/4", "3/4", "0/1", "4/4", "-1/4", "1/0", "1", "/", "a/b", "+1/+4", "01/04",
		"9223372036854775807/9223372036854775807", "0/9223372036854775807", " 0/4", "0/4/8"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		s, err := ParseShard(v)
		if err != nil {
			var u *UsageError
			if !errors.As(err, &u) || s != (Shard{}) {
				t.Fatalf("%q refused with %T %v and shard %v, want a UsageError and no shard", v, err, err, s)
			}
			return
		}
		if s.N < 1 || s.I < 0 || s.I >= s.N {
			t.Fatalf("%q accepted as %d/%d, outside 0 <= I < N", v, s.I, s.N)
		}
		if s.N == 1 {
			if s.String() != "" {
				t.Fatalf("%q is the whole plan but prints %q", v, s.String())
			}
			return
		}
		back, err := ParseShard(s.String())
		if err != nil || back != s {
			t.Fatalf("%q parsed as %v, printed %q, which parses as %v (%v)", v, s, s.String(), back, err)
		}
	})
}

// jsonLines prints values as one JSON line each, as a results file holds
// them.
func jsonLines[T any](t *testing.T, first any, rest []T) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	if err := enc.Encode(first); err != nil {
		t.Fatalf("encode %#v: %v", first, err)
	}
	for _, r := range rest {
		if err := enc.Encode(r); err != nil {
			t.Fatalf("encode %#v: %v", r, err)
		}
	}
	return b.Bytes()
}

const fuzzHeader = `{"dst":2,"binary":"b1","go":"go1.26","pkg":"./workloads","workloads":["TestSteady","TestChurn"],"start":1,"seeds":8,"block":4,"set":["patch="],"recheck":true,"started":"2026-12-01T00:00:00Z"}` + "\n"

// FuzzParseReport parses arbitrary results files. A refusal is an input
// error; an accepted file holds only its plan's seeds (a guided child
// aside) and prints back as a file that parses and prints the same.
func FuzzParseReport(f *testing.F) {
	rec := `{"v":2,"test":"TestSteady","seed":1,"outcome":"pass","steps":10,"vtime_ns":5,"hash":"0123456789abcdef"}` + "\n"
	fail := `{"v":2,"test":"TestChurn","seed":5,"outcome":"fail","kind":"liveness","message":"stuck","steps":9,"vtime_ns":1,"hash":"fedcba9876543210","report":"the report","cover":{"a":1},"sometimes":{"b":true},"config":["faults=lite"],"sites":[{"name":"s","rate":0.5,"reached":2,"fired":1}]}` + "\n"
	crash := `{"v":1,"test":"TestSteady","seed":8,"outcome":"fail","kind":"crash","steps":0,"vtime_ns":0,"hash":""}` + "\n"
	f.Add([]byte(fuzzHeader + rec + fail + crash))
	f.Add([]byte(fuzzHeader))
	f.Add([]byte(`{"dst":2,"binary":"b","workloads":["TestA"],"start":18446744073709551615,"seeds":0,"block":1,"shard":"1/3","set":null,"recheck":false,"started":""}` + "\n"))
	f.Add([]byte(`{"dst":2,"binary":"b","workloads":["TestA"],"start":0,"seeds":0,"block":1,"guided":true,"set":[],"recheck":false,"started":""}` + "\n" +
		`{"v":2,"test":"TestA","seed":99,"outcome":"pass","hash":"0123456789abcdef","pins":["net.drop=0.1"],"parent":3}` + "\n"))
	f.Add([]byte(fuzzHeader + `{"v":2,"test":"TestSteady","seed":100,"outcome":"pass","hash":"0123456789abcdef"}` + "\n"))
	f.Add([]byte(fuzzHeader + rec[:20]))
	f.Add([]byte(`{"dst":3}` + "\n"))
	f.Add([]byte("\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, recs, err := parseReport("r.jsonl", data)
		if err != nil {
			var u *UsageError
			if !errors.As(err, &u) {
				t.Fatalf("refused with %T %v, want an input error", err, err)
			}
			return
		}
		plan, err := h.Plan()
		if err != nil || plan.Seeds < 0 || plan.Block < 1 {
			t.Fatalf("accepted a header whose plan is not a plan: %+v (%v)", plan, err)
		}
		for _, r := range recs {
			if !plan.Contains(r.Test, r.Seed) && !(h.Guided && (len(r.Pins) > 0 || r.Parent != 0)) {
				t.Fatalf("accepted seed %d of %s outside the plan %s", r.Seed, r.Test, &plan)
			}
		}
		_ = plan.String()
		printed := jsonLines(t, h, recs)
		h2, recs2, err := parseReport("printed.jsonl", printed)
		if err != nil {
			t.Fatalf("the printed file does not parse: %v\n%s", err, printed)
		}
		if again := jsonLines(t, h2, recs2); !bytes.Equal(again, printed) {
			t.Fatalf("the printed file prints differently:\n%s\nvs\n%s", printed, again)
		}
	})
}

// FuzzParseMutateReport parses arbitrary dst mutate results files, with
// the same properties as FuzzParseReport.
func FuzzParseMutateReport(f *testing.F) {
	h := `{"mutate":1,"binary":"b","pkg":"./workloads","targets":"./session","workloads":["TestSteady"],"seeds":20,"start":1,"seed":7,"set":[],"time":"1m0s","started":"2026-12-01T00:00:00Z"}` + "\n"
	killed := `{"id":"0123456789ab","key":"session/retry.go:f:negate:x#0","pkg":"session","file":"session/retry.go","line":3,"col":4,"func":"f","op":"negate","before":"x","after":"!x","outcome":"killed","workload":"TestSteady","seed":4,"kind":"safety","message":"m","set":["patch="],"seeds_run":4,"wall_ns":100}` + "\n"
	survived := `{"id":"ba9876543210","outcome":"survived","patch_off":"h4","patch_off_swept":true,"seeds_run":40,"wall_ns":1,"reason":"r"}` + "\n"
	f.Add([]byte(h + killed + survived))
	f.Add([]byte(h))
	f.Add([]byte(h + `{"id":"","outcome":"killed"}` + "\n"))
	f.Add([]byte(`{"mutate":2}` + "\n"))
	f.Add([]byte(h + killed[:30]))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, recs, err := parseMutateReport("m.jsonl", data)
		if err != nil {
			var u *UsageError
			if !errors.As(err, &u) {
				t.Fatalf("refused with %T %v, want an input error", err, err)
			}
			return
		}
		if h == nil || h.Mutate != MutateFormatVersion {
			t.Fatalf("accepted a file without a mutate header: %#v", h)
		}
		printed := jsonLines(t, h, recs)
		h2, recs2, err := parseMutateReport("printed.jsonl", printed)
		if err != nil {
			t.Fatalf("the printed file does not parse: %v\n%s", err, printed)
		}
		if again := jsonLines(t, h2, recs2); !bytes.Equal(again, printed) {
			t.Fatalf("the printed file prints differently:\n%s\nvs\n%s", printed, again)
		}
	})
}
