package workloads

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// FuzzParseCorpus parses arbitrary regression corpora (CorpusFile's
// format). A malformed line must be an error that names it, never a
// panic; every entry accepted prints (Entry.String) as a line that
// parses back to the same entry, so a tool that rewrites the corpus
// keeps what it read.
func FuzzParseCorpus(f *testing.F) {
	if data, err := os.ReadFile(CorpusFile); err == nil {
		f.Add(string(data)) // the checked-in corpus, whole
	}
	for _, s := range []string{
		`TestSteady 31 patch= fail:liveness "CurrentEventServiceID: LocalReadyPending:true" # H3 on HEAD`,
		"TestSteady 31 patch=h3 pass # the same seed with the H3 patch",
		"TestChurn\t0x1f\tfaults=lite\tnet.latency=longtail(1ms,1s)\tpass",
		`TestProbing/sharing=false 7 fail:safety "a \"quoted\" message"#glued comment`,
		"TestSteady 1 pass\nTestSteady 1 pass",
		"TestSteady 1 fail:panic",
		`TestSteady 1 fail:bogus "x"`,
		`TestSteady 1 "pass"`,
		"TestSteady 18446744073709551616 pass",
		"TestSteady 2 net.drop=2 pass",
		"# only a comment\n\n   \t",
		`TestSteady 3 pass "trailing"`,
		`TestSteady 3 fail:budget "unterminated`,
		"TestSteady 3 patch=h1,h3 node.restart-after=uniform(1s,20s) pass\r",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		entries, err := ParseCorpus("c.txt", strings.NewReader(text))
		if err != nil && !strings.HasPrefix(err.Error(), "c.txt:") {
			t.Fatalf("error %q does not name the file and line", err)
		}
		for _, e := range entries {
			line := e.String()
			back, err := ParseCorpus("printed.txt", strings.NewReader(line))
			if err != nil || len(back) != 1 {
				t.Fatalf("entry of line %d prints as %q, which parses as %d entries (%v)", e.Line, line, len(back), err)
			}
			back[0].Line = e.Line
			if !reflect.DeepEqual(back[0], e) {
				t.Fatalf("entry of line %d prints as %q, which parses as another entry:\n%#v\nvs\n%#v", e.Line, line, back[0], e)
			}
		}
	})
}
