package mutate

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
)

// Sample returns n of the mutants, chosen by seed: the same mutants, in
// generation order, for the same list, n and seed. n <= 0 or n >=
// len(ms) returns them all. Choosing by a shuffle of the positions
// keeps the choice independent of how many workers run them.
func Sample(ms []*Mutant, n int, seed uint64) []*Mutant {
	if n <= 0 || n >= len(ms) {
		return ms
	}
	idx := rand.New(rand.NewPCG(seed, 0x6d75746174650a)).Perm(len(ms))[:n]
	slices.Sort(idx)
	out := make([]*Mutant, n)
	for i, k := range idx {
		out[i] = ms[k]
	}
	return out
}

// Equivalent is the checked-in list of mutants judged equivalent (no
// run of the model can tell them from the original): by ID, or by place,
// a FILE:FUNC pattern (MatchPlace) that covers every mutant of the
// functions it matches, for code that no sweep can judge by its nature
// (a configuration check that a valid configuration never fails). Each
// has its reason.
type Equivalent struct {
	IDs    map[string]string
	Places []EquivalentPlace
}

// EquivalentPlace is a FILE:FUNC pattern of the equivalence file.
type EquivalentPlace struct{ Pattern, Reason string }

// Reason returns why m is equivalent, or "" when it is not listed.
func (e Equivalent) Reason(m *Mutant) string {
	if r := e.IDs[m.ID]; r != "" {
		return r
	}
	for _, p := range e.Places {
		if MatchPlace(p.Pattern, m.File+":"+m.Func) {
			return p.Reason
		}
	}
	return ""
}

// MatchPlace matches a FILE:FUNC pattern, in which * stands for any
// text, "/" included, against a mutant's place ("session/retry.go:
// (*dispatcherSession).retry").
//
// It matches by string search, not by a regexp built from the pattern:
// a pattern that is not valid UTF-8 made regexp.MustCompile panic
// (FuzzParseEquivalent found it), and a pattern of literal text and *
// needs no more than this: the text before the first * is a prefix,
// the text after the last a suffix, and each piece between them is
// found leftmost, in order, in what is left (leftmost is never worse
// for the pieces after it).
func MatchPlace(pattern, place string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == place
	}
	first, last := parts[0], parts[len(parts)-1]
	if len(place) < len(first)+len(last) || !strings.HasPrefix(place, first) || !strings.HasSuffix(place, last) {
		return false
	}
	rest := place[len(first) : len(place)-len(last)]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(rest, p)
		if i < 0 {
			return false
		}
		rest = rest[i+len(p):]
	}
	return true
}

// ReadEquivalent reads an equivalence file: one entry per line, a
// mutant's ID or a FILE:FUNC pattern, white space, and the reason, which
// is required; # starts a comment line, and blank lines are skipped. A
// missing file is an empty list when optional is set.
func ReadEquivalent(path string, optional bool) (Equivalent, error) {
	out := Equivalent{IDs: map[string]string{}}
	f, err := os.Open(path)
	if os.IsNotExist(err) && optional {
		return out, nil
	}
	if err != nil {
		return out, err
	}
	defer f.Close()
	return ParseEquivalent(path, f)
}

// ParseEquivalent parses an equivalence file read from r, in
// ReadEquivalent's format; name prefixes every error with the line.
func ParseEquivalent(name string, r io.Reader) (Equivalent, error) {
	out := Equivalent{IDs: map[string]string{}}
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		// The key ends at the first space or tab: the format says white
		// space, and a tab-separated line (FuzzParseEquivalent's check)
		// was read as one key holding the tab.
		key, reason := text, ""
		if i := strings.IndexAny(text, " \t"); i >= 0 {
			key, reason = text[:i], strings.TrimSpace(text[i+1:])
		}
		place := strings.Contains(key, ":")
		if !place && (len(key) != 12 || strings.Trim(key, "0123456789abcdef") != "") {
			return out, fmt.Errorf("%s:%d: %q is not a mutant ID (12 hex digits, as dst mutate --list prints) nor a FILE:FUNC pattern", name, line, key)
		}
		if reason == "" {
			return out, fmt.Errorf("%s:%d: %s has no reason: say why it is equivalent", name, line, key)
		}
		if seen[key] {
			return out, fmt.Errorf("%s:%d: %s is listed twice", name, line, key)
		}
		seen[key] = true
		if place {
			out.Places = append(out.Places, EquivalentPlace{key, reason})
		} else {
			out.IDs[key] = reason
		}
	}
	return out, sc.Err()
}
