package detcheck

import (
	"go/token"
	"slices"
	"strings"
)

// directive is one parsed dst:allow or dst:file-allow comment.
type directive struct {
	wholeFile bool     // dst:file-allow rather than dst:allow
	rules     []string // the rules named, in the order written
	reason    string   // the text after the colon, trimmed
}

// parseDirective reports whether text, a comment's text including its
// "//", is an allow directive, and parses it. Only "//dst:..." and
// "// dst:..." qualify: a comment that merely mentions dst:allow further
// in is prose, which lets documentation talk about the syntax.
func parseDirective(text string) (d directive, ok bool) {
	body, ok := strings.CutPrefix(text, "//")
	if !ok {
		return d, false
	}
	body = strings.TrimLeft(body, " \t")
	rest, ok := strings.CutPrefix(body, "dst:file-allow")
	if ok {
		d.wholeFile = true
	} else if rest, ok = strings.CutPrefix(body, "dst:allow"); !ok {
		return d, false
	}
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' && rest[0] != ':' {
		return d, false // a longer word, such as dst:allowed
	}
	names, reason, _ := strings.Cut(rest, ":")
	for name := range strings.SplitSeq(names, ",") {
		if name = strings.TrimSpace(name); name != "" {
			d.rules = append(d.rules, name)
		}
	}
	d.reason = strings.TrimSpace(reason)
	return d, true
}

// allowances records which rules one file's directives allow, and where.
type allowances struct {
	wholeFile map[string]bool         // rule -> allowed in the whole file
	lines     map[int]map[string]bool // line -> rule -> allowed on that line
}

// covers reports whether v is allowed.
func (a allowances) covers(v Violation) bool {
	return a.wholeFile[v.Rule] || a.lines[v.Pos.Line][v.Rule]
}

func (a allowances) allowLine(line int, rules []string) {
	if a.lines[line] == nil {
		a.lines[line] = make(map[string]bool)
	}
	for _, r := range rules {
		a.lines[line][r] = true
	}
}

// collectAllows reads the directives of f. A directive with a problem is
// reported and applies nowhere: an exception whose reason or rule is
// unclear has not been reviewed.
func collectAllows(fset *token.FileSet, f sourceFile) (allowances, []Violation) {
	a := allowances{wholeFile: make(map[string]bool), lines: make(map[int]map[string]bool)}
	var out []Violation
	for _, group := range f.ast.Comments {
		for _, c := range group.List {
			d, ok := parseDirective(c.Text)
			if !ok {
				continue
			}
			pos := fset.Position(c.Pos())
			if problems := checkDirective(fset, c.Pos(), d); len(problems) > 0 {
				out = append(out, problems...)
				continue
			}
			switch {
			case d.wholeFile && c.Pos() < f.ast.Package:
				for _, r := range d.rules {
					a.wholeFile[r] = true
				}
			case d.wholeFile:
				// After the package clause a file-allow is not in effect;
				// the violations it meant to cover stay visible.
			case standsAlone(fset, f.src, c.Pos()):
				a.allowLine(pos.Line, d.rules)
				a.allowLine(pos.Line+1, d.rules)
			default:
				a.allowLine(pos.Line, d.rules)
			}
		}
	}
	return a, out
}

// checkDirective returns the problems with d, which sits at at.
func checkDirective(fset *token.FileSet, at token.Pos, d directive) []Violation {
	pos := fset.Position(at)
	var out []Violation
	word := "dst:allow"
	if d.wholeFile {
		word = "dst:file-allow"
	}
	if len(d.rules) == 0 {
		out = append(out, Violation{Pos: pos, at: at, Rule: ruleAllowUnknown,
			Message: word + " names no rule; write //" + word + " <rule>: <reason>"})
	}
	for _, r := range d.rules {
		if !slices.Contains(allowableRules, r) {
			out = append(out, Violation{Pos: pos, at: at, Rule: ruleAllowUnknown,
				Message: word + " names " + r + ", which is not a rule it can allow (" + strings.Join(allowableRules, ", ") + ")"})
		}
	}
	if d.reason == "" {
		out = append(out, Violation{Pos: pos, at: at, Rule: ruleAllowReason,
			Message: word + " needs a reason after a colon: //" + word + " <rule>: <why it is safe here>"})
	}
	return out
}

// standsAlone reports whether the comment at pos is the first thing on its
// line. Such a comment is about the line below it; a comment that trails
// code is about that code only.
func standsAlone(fset *token.FileSet, src []byte, pos token.Pos) bool {
	tf := fset.File(pos)
	start := tf.Offset(tf.LineStart(tf.Line(pos)))
	return strings.TrimSpace(string(src[start:tf.Offset(pos)])) == ""
}
