package docs

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	// linkRE is an inline link or image: [text](target) or
	// [text](target "title"). Reference-style links are not used here.
	linkRE = regexp.MustCompile(`\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	// codeSpanRE is inline code, where brackets are not links.
	codeSpanRE = regexp.MustCompile("`[^`]*`")
	schemeRE   = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)
	// slugDropRE is what GitHub removes from a heading to make its
	// anchor: everything but letters, marks, digits, "_", "-" and spaces.
	slugDropRE = regexp.MustCompile(`[^\p{L}\p{M}\p{N}_\- ]`)
	// mdLinkRE keeps a link's text in a heading ("[a](b)" reads "a").
	mdLinkRE = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
)

// anchors lists the anchors GitHub gives a document's headings: lower
// case, punctuation dropped, spaces to "-", and "-1", "-2" ... on repeats.
func anchors(text string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	for _, h := range headings(strings.Split(text, "\n")) {
		s := mdLinkRE.ReplaceAllString(h.text, "$1")
		s = strings.ReplaceAll(slugDropRE.ReplaceAllString(strings.ToLower(s), ""), " ", "-")
		if n := seen[s]; n > 0 {
			out[fmt.Sprintf("%s-%d", s, n)] = true
		} else {
			out[s] = true
		}
		seen[s]++
	}
	return out
}

// localLinks returns the relative link targets of a markdown document
// with their line numbers, outside fenced code and inline code.
func localLinks(text string) (targets []string, lines []int) {
	fenced := false
	for i, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			fenced = !fenced
			continue
		}
		if fenced {
			continue
		}
		for _, m := range linkRE.FindAllStringSubmatch(codeSpanRE.ReplaceAllString(l, ""), -1) {
			if !schemeRE.MatchString(m[1]) {
				targets = append(targets, m[1])
				lines = append(lines, i+1)
			}
		}
	}
	return targets, lines
}

// checkLink resolves one relative link of file (relative to root): the
// target must exist, and a #anchor into a markdown file must be one of
// its headings.
func checkLink(t *testing.T, root, file, target string) string {
	p, anchor, _ := strings.Cut(target, "#")
	var rel string
	switch {
	case p == "":
		rel = file
	case strings.HasPrefix(p, "/"):
		rel = path.Clean(strings.TrimPrefix(p, "/"))
	default:
		rel = path.Join(path.Dir(file), p)
	}
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return fmt.Sprintf("%s leaves the repository", target)
	}
	st, err := os.Stat(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return fmt.Sprintf("%s: %s does not exist", target, rel)
	}
	if anchor == "" || st.IsDir() || !strings.HasSuffix(rel, ".md") {
		return ""
	}
	if !anchors(readFile(t, filepath.Join(root, filepath.FromSlash(rel))))[anchor] {
		return fmt.Sprintf("%s: %s has no heading with anchor #%s", target, rel, anchor)
	}
	return ""
}

// TestMarkdownLinks: every relative link of every markdown file of the
// repository names a file or directory of the repository, and its anchor
// names a heading.
func TestMarkdownLinks(t *testing.T) {
	root := repoRoot(t)
	n := 0
	for _, f := range repoFiles(t, root, ".md") {
		targets, lines := localLinks(readFile(t, filepath.Join(root, f)))
		for i, target := range targets {
			n++
			if why := checkLink(t, root, f, target); why != "" {
				t.Errorf("%s:%d: %s", f, lines[i], why)
			}
		}
	}
	t.Logf("%d relative links checked", n)
	if n == 0 {
		t.Fatal("no relative link found: the walk or the parser is broken")
	}
}

// TestAnchors pins the slug rule on headings the repository links to.
func TestAnchors(t *testing.T) {
	a := anchors("# Sweeping with `cmd/dst`\n## 3.1 Collector session transitions\n## Notes\n## Notes\n```\n# not a heading\n```\n")
	for _, want := range []string{"sweeping-with-cmddst", "31-collector-session-transitions", "notes", "notes-1"} {
		if !a[want] {
			t.Errorf("no anchor %q in %v", want, a)
		}
	}
	if a["not-a-heading"] {
		t.Error("a # line in a code fence became a heading")
	}
}
