package docs

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// designNameRE reads the section name of a citation such as
// DESIGN.md, "The model".
var designNameRE = regexp.MustCompile(`^(?:,\s*|\s+)"([A-Za-z][^"]*)"`)

// plainHeading is a heading's title as a reader quotes it: no code marks,
// no emphasis, lower case.
func plainHeading(s string) string {
	return strings.ToLower(strings.NewReplacer("`", "", "*", "").Replace(s))
}

// TestDesignCitationsResolve: every citation of DESIGN.md by section
// name (DESIGN.md, "The model") names the start of a heading of
// docs/DESIGN.md.
func TestDesignCitationsResolve(t *testing.T) {
	root := repoRoot(t)
	lines := strings.Split(readFile(t, filepath.Join(root, "docs", "DESIGN.md")), "\n")
	var titles []string
	for _, h := range headings(lines) {
		titles = append(titles, plainHeading(h.text))
	}
	var mentionsN, named int
	for _, f := range repoFiles(t, root, ".go", ".md") {
		for _, c := range findCitations(f, readFile(t, filepath.Join(root, f)), "DESIGN.md") {
			mentionsN++
			m := designNameRE.FindStringSubmatch(c.raw)
			if m == nil {
				continue
			}
			named++
			want := plainHeading(m[1])
			found := false
			for _, title := range titles {
				found = found || strings.HasPrefix(title, want)
			}
			if !found {
				t.Errorf("%s:%d: docs/DESIGN.md has no heading starting %q", c.file, c.line, m[1])
			}
		}
	}
	t.Logf("DESIGN.md: %d mentions, %d naming a section, all checked", mentionsN, named)
	if named == 0 {
		t.Fatal("no DESIGN.md citation names a section: the walk or the parser is broken")
	}
}

// TestDesignEndsWithDeterminismRules: internal/detcheck's doc cites the
// determinism rules as "DESIGN.md, last section" and the README as the
// rules "at the end of DESIGN.md", so they must stay the last section.
func TestDesignEndsWithDeterminismRules(t *testing.T) {
	root := repoRoot(t)
	hs := headings(strings.Split(readFile(t, filepath.Join(root, "docs", "DESIGN.md")), "\n"))
	var last string
	for _, h := range hs {
		if h.level == 2 {
			last = h.text
		}
	}
	if !strings.HasPrefix(plainHeading(last), "determinism rules") {
		t.Fatalf("the last section of docs/DESIGN.md is %q, not the determinism rules", last)
	}
}
