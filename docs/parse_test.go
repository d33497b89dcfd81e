package docs

import (
	"fmt"
	"strings"
	"testing"
)

// The parser reads the citation forms the repository uses, and stops
// where prose begins.
func TestParseRefs(t *testing.T) {
	for _, tc := range []struct {
		span string
		want string
	}{
		{" 3.1 T8", "3.1 3.1:T8"},
		{" 5 I12, 3.1 T2, T5', T3, T4'", "5 5:I12 3.1 3.1:T2 3.1:T5' 3.1:T3 3.1:T4'"},
		{" 6.1 F1-F4, package variant", "6.1 6.1:F1 6.1:F2 6.1:F3 6.1:F4"},
		{" 3.4 steps 1, 3, 4, 5", "3.4 3.4#1 3.4#3 3.4#4 3.4#5"},
		{" 2.5, 4.3 race 3", "2.5 4.3 4.3#3"},
		{" 2.5 and 4.3 (window 4", "2.5 4.3 4.3#4"},
		{" 3.3 REGISTER row and 6.3 H3", "3.3 6.3 6.3:H3"},
		{" 6.3 H3's trigger", "6.3 6.3:H3"},
		{" 3.2 f", "3.2 3.2(f)"},
		{" 1.2-1.4, 8", "1.2 1.4 8"},
		{" section 3.1", "3.1"},
		{" 4.1 is a task, so the interleavings of 4.3 can happen", "4.1"},
		{" is silent the model does", ""},
		{", transition T8", ":T8"},
	} {
		if got := render(parseRefs(tc.span)); got != tc.want {
			t.Errorf("parseRefs(%q) = %q, want %q", tc.span, got, tc.want)
		}
	}
}

func render(refs []ref) string {
	var parts []string
	for _, r := range refs {
		switch r.kind {
		case "section":
			parts = append(parts, r.section)
		case "item":
			parts = append(parts, r.section+":"+r.name)
		case "list":
			parts = append(parts, r.section+"#"+r.name)
		case "flow":
			parts = append(parts, fmt.Sprintf("%s(%s)", r.section, r.name))
		}
	}
	return strings.Join(parts, " ")
}

// A citation wrapped by a Go comment is read across the line break, and
// the span ends at the first mark that ends a reference.
func TestFindCitationsWrapped(t *testing.T) {
	src := "package x\n\n// heartbeats are answered Removed and T8 re-registers (PROTOCOL.md\n// 3.2 f), and so on.\nvar y = 1 // PROTOCOL.md 7: timing\n"
	cs := findCitations("x.go", src, "PROTOCOL.md")
	if len(cs) != 2 {
		t.Fatalf("found %d citations, want 2: %v", len(cs), cs)
	}
	if cs[0].line != 3 || strings.TrimSpace(cs[0].span) != "3.2 f" {
		t.Errorf("first citation %v, want line 3, span \"3.2 f\"", cs[0])
	}
	if strings.TrimSpace(cs[1].span) != "7" {
		t.Errorf("second citation %v, want span \"7\"", cs[1])
	}
}

// Each kind of reference fails against a document that lacks it.
func TestCheckRejects(t *testing.T) {
	p := parseProtocol(strings.Join([]string{
		"## 3. Lifecycle",
		"### 3.1 Transitions",
		"| # | input |",
		"| T1 | start |",
		"| T5' | not reusable |",
		"### 3.2 Flows",
		"**(a) Add.** T1 then Ready.",
		"## 4. Concurrency",
		"1. the first race",
		"## 5. Invariants",
		"**I1. No request after remove.**",
	}, "\n"))
	for _, tc := range []struct {
		r    ref
		want string // "" means it resolves
	}{
		{ref{"3.1", "section", "3.1"}, ""},
		{ref{"3", "section", "3"}, ""},
		{ref{"3.3", "section", "3.3"}, "no section 3.3"},
		{ref{"3.1", "item", "T1"}, ""},
		{ref{"3", "item", "T5'"}, ""},
		{ref{"3.1", "item", "T5"}, "T5 is not defined"},
		{ref{"3.2", "item", "T5'"}, "does not mention T5'"},
		{ref{"5", "item", "I2"}, "I2 is not defined"},
		{ref{"4", "list", "1"}, ""},
		{ref{"4", "list", "2"}, "no numbered item 2"},
		{ref{"3.2", "flow", "a"}, ""},
		{ref{"3.2", "flow", "b"}, "no flow (b)"},
		{ref{"", "item", "I1"}, ""},
	} {
		got := p.check(tc.r)
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("check(%+v) = %q, want %q", tc.r, got, tc.want)
		}
	}
}
