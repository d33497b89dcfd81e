package docs

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// protocol is docs/PROTOCOL.md as the citation check needs it.
type protocol struct {
	// sections maps a heading number ("3", "3.1") to the text from its
	// heading to the next heading of the same or a higher level, so a
	// top-level section includes its subsections.
	sections map[string]string
	// defined holds every named item the document defines: a table row
	// that starts with it ("| T5' |") or a bold paragraph ("**I9.").
	defined map[string]bool
}

var (
	numberedRE = regexp.MustCompile(`^(\d+(?:\.\d+)?)\.?\s`)
	rowItemRE  = regexp.MustCompile(`(?m)^\|\s*([TIFH]\d+'*)\s*\|`)
	boldItemRE = regexp.MustCompile(`\*\*([TIFH]\d+'*)\.`)
)

func parseProtocol(text string) protocol {
	lines := strings.Split(text, "\n")
	p := protocol{sections: map[string]string{}, defined: map[string]bool{}}
	hs := headings(lines)
	for i, h := range hs {
		m := numberedRE.FindStringSubmatch(h.text + " ")
		if m == nil {
			continue
		}
		end := len(lines)
		for _, next := range hs[i+1:] {
			if next.level <= h.level {
				end = next.line
				break
			}
		}
		p.sections[m[1]] = strings.Join(lines[h.line:end], "\n")
	}
	for _, m := range rowItemRE.FindAllStringSubmatch(text, -1) {
		p.defined[m[1]] = true
	}
	for _, m := range boldItemRE.FindAllStringSubmatch(text, -1) {
		p.defined[m[1]] = true
	}
	return p
}

// mentions reports whether text names item as a whole word: "T5" does not
// match inside "T5'" or "T50", nor "I1" inside "I13".
func mentions(text, item string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], item)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(item)
		before := start == 0 || !isWordByte(text[start-1])
		after := end == len(text) || !isWordByte(text[end]) && text[end] != '\''
		if before && after {
			return true
		}
		i = start + 1
	}
}

func isWordByte(b byte) bool {
	return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

// listItem reports whether section text has a numbered list item n
// ("  3. ...").
func listItem(text string, n string) bool {
	re := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(n) + `\.\s`)
	return re.MatchString(text)
}

// citation is one occurrence of a document's name in a file.
type citation struct {
	file string
	line int    // 1-based
	span string // the text after the name that the parser read
	raw  string // the text after the name, before cutSpan
}

func (c citation) String() string { return fmt.Sprintf("%s:%d: %q", c.file, c.line, c.span) }

// findCitations returns every occurrence of name in content with the
// text that follows it: the rest of its line and, when a Go comment or a
// markdown paragraph wraps, the next two lines.
func findCitations(file, content, name string) []citation {
	lines := strings.Split(content, "\n")
	isGo := strings.HasSuffix(file, ".go")
	var out []citation
	for i, l := range lines {
		for off := 0; ; {
			j := strings.Index(l[off:], name)
			if j < 0 {
				break
			}
			rest := l[off+j+len(name):]
			for k := i + 1; k < len(lines) && k <= i+2; k++ {
				next, ok := continuation(lines[k], isGo)
				if !ok {
					break
				}
				rest += " " + next
			}
			out = append(out, citation{file: file, line: i + 1, span: cutSpan(rest), raw: rest})
			off += j + len(name)
		}
	}
	return out
}

// continuation returns the text of a line that continues the previous
// one: in Go, a // comment line; in markdown, any non-blank line that is
// not a heading, a table row or a fence.
func continuation(line string, isGo bool) (string, bool) {
	s := strings.TrimSpace(line)
	if isGo {
		if !strings.HasPrefix(s, "//") {
			return "", false
		}
		return strings.TrimSpace(strings.TrimPrefix(s, "//")), true
	}
	if s == "" || strings.HasPrefix(s, "#") || strings.HasPrefix(s, "|") || strings.HasPrefix(s, "```") {
		return "", false
	}
	return s, true
}

// cutSpan ends a citation at the first mark that ends a reference in
// prose: a closing bracket, colon, semicolon, quote, backtick, table bar,
// or a full stop that is not inside a section number.
func cutSpan(s string) string {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ')', ']', ':', ';', '"', '`', '|':
			return s[:i]
		case '.':
			if i == 0 || i+1 >= len(s) || !isDigit(s[i-1]) || !isDigit(s[i+1]) {
				return s[:i]
			}
		}
	}
	return s
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// ref is one thing a citation refers to, already resolved to a check.
type ref struct {
	section string // "3.1"
	kind    string // "section", "item", "list", "flow"
	name    string // the item ("T5'"), list number ("4") or flow letter ("f")
}

// possessiveRE finds "H3's", which is H3, not the item H3'.
var possessiveRE = regexp.MustCompile(`\b([TIFH]\d+)'s\b`)

var tokenRE = regexp.MustCompile(`[TIFH]\d+'*(?:-[TIFH]\d+'*)?|\d+(?:\.\d+)?|[A-Za-z][A-Za-z'-]*|,|\S`)

// parseRefs reads the references of one citation span. A section number
// counts at the start of the span or of a list entry (after "," or
// "and"); a named item belongs to the section before it; "step", "race"
// and "window" make the numbers after them list items of that section.
// Anything else is prose and ends nothing, but a number that follows prose
// is not read as a section.
func parseRefs(span string) []ref {
	toks := tokenRE.FindAllString(possessiveRE.ReplaceAllString(span, "$1"), -1)
	var refs []ref
	sec, qual, listPos := "", false, true
	for i, tok := range toks {
		switch {
		case isSectionNumber(tok):
			switch {
			case qual && !strings.Contains(tok, ".") && sec != "":
				refs = append(refs, ref{sec, "list", tok})
			case listPos:
				sec, qual = tok, false
				refs = append(refs, ref{sec, "section", tok})
			default:
				return refs
			}
			listPos = false
		case isItem(tok):
			for _, item := range expandItem(tok) {
				refs = append(refs, ref{sec, "item", item})
			}
			qual, listPos = false, false
		case tok == "," || tok == "and":
			listPos = true
		case tok == "-" && i > 0 && isSectionNumber(toks[i-1]):
			listPos = true // a range of sections, "1.2-1.4": both ends are checked
		case tok == "step" || tok == "steps" || tok == "race" || tok == "window":
			qual, listPos = true, false
		case tok == "section" || tok == "sections" || tok == "§":
			// "PROTOCOL.md section 3.1": still at the start.
		case len(tok) == 1 && 'a' <= tok[0] && tok[0] <= 'h' && i > 0 && isSectionNumber(toks[i-1]) &&
			(i+1 == len(toks) || toks[i+1] == ","):
			refs = append(refs, ref{sec, "flow", tok})
			listPos = false
		default:
			listPos = false
		}
	}
	return refs
}

var sectionNumberRE = regexp.MustCompile(`^\d+(\.\d+)?$`)

func isSectionNumber(tok string) bool { return sectionNumberRE.MatchString(tok) }

var itemRE = regexp.MustCompile(`^([TIFH])(\d+)('*)(?:-([TIFH])?(\d+)('*))?$`)

func isItem(tok string) bool { return itemRE.MatchString(tok) }

// expandItem turns "F1-F4" into F1, F2, F3, F4; a range with primes
// ("T3-T4”") into its two ends.
func expandItem(tok string) []string {
	m := itemRE.FindStringSubmatch(tok)
	if m[5] == "" {
		return []string{tok}
	}
	letter2 := m[4]
	if letter2 == "" {
		letter2 = m[1]
	}
	lo, _ := strconv.Atoi(m[2])
	hi, _ := strconv.Atoi(m[5])
	if m[3] != "" || m[6] != "" || letter2 != m[1] || hi < lo {
		return []string{m[1] + m[2] + m[3], letter2 + m[5] + m[6]}
	}
	var out []string
	for n := lo; n <= hi; n++ {
		out = append(out, m[1]+strconv.Itoa(n))
	}
	return out
}

// check resolves one reference against the document, returning "" when it
// resolves and otherwise why not.
func (p protocol) check(r ref) string {
	if r.section == "" {
		if !p.defined[r.name] {
			return fmt.Sprintf("%s is not defined in docs/PROTOCOL.md", r.name)
		}
		return ""
	}
	text, ok := p.sections[r.section]
	switch {
	case !ok && r.kind == "section":
		return fmt.Sprintf("docs/PROTOCOL.md has no section %s", r.section)
	case !ok:
		return "" // the section's own reference, read first, already failed
	}
	switch r.kind {
	case "item":
		if !p.defined[r.name] {
			return fmt.Sprintf("%s is not defined in docs/PROTOCOL.md", r.name)
		}
		if !mentions(text, r.name) {
			return fmt.Sprintf("section %s does not mention %s", r.section, r.name)
		}
	case "list":
		if !listItem(text, r.name) {
			return fmt.Sprintf("section %s has no numbered item %s", r.section, r.name)
		}
	case "flow":
		if !strings.Contains(text, "("+r.name+")") {
			return fmt.Sprintf("section %s has no flow (%s)", r.section, r.name)
		}
	}
	return ""
}

// TestCitationsResolve: every "PROTOCOL.md N.N ..." citation in the
// module's .go and .md files names a section of docs/PROTOCOL.md, and the
// items, list entries and flows it names are in that section.
func TestCitationsResolve(t *testing.T) {
	root := repoRoot(t)
	p := parseProtocol(readFile(t, filepath.Join(root, "docs", "PROTOCOL.md")))
	if len(p.sections) == 0 {
		t.Fatal("docs/PROTOCOL.md has no numbered heading")
	}
	var mentionsN, citing, refsN int
	files := map[string]bool{}
	for _, f := range repoFiles(t, root, ".go", ".md") {
		for _, c := range findCitations(f, readFile(t, filepath.Join(root, f)), "PROTOCOL.md") {
			mentionsN++
			files[f] = true
			refs := parseRefs(c.span)
			if len(refs) > 0 {
				citing++
			}
			for _, r := range refs {
				refsN++
				if why := p.check(r); why != "" {
					t.Errorf("%v: %s", c, why)
				}
			}
			if testing.Verbose() {
				t.Logf("%v -> %v", c, refs)
			}
		}
	}
	t.Logf("PROTOCOL.md: %d mentions in %d files, %d citing a section, %d references checked",
		mentionsN, len(files), citing, refsN)
	if citing == 0 {
		t.Fatal("no citation found: the walk or the parser is broken")
	}
}
