package mutate

import (
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// printEquivalent renders an equivalence list back in its file format,
// the key and reason of each entry separated by sep, IDs sorted.
func printEquivalent(e Equivalent, sep string) string {
	var b strings.Builder
	for _, id := range slices.Sorted(func(yield func(string) bool) {
		for id := range e.IDs {
			if !yield(id) {
				return
			}
		}
	}) {
		b.WriteString(id + sep + e.IDs[id] + "\n")
	}
	for _, p := range e.Places {
		b.WriteString(p.Pattern + sep + p.Reason + "\n")
	}
	return b.String()
}

// FuzzParseEquivalent parses arbitrary equivalence files. A bad line
// must be an error naming it, never a panic; an accepted list prints
// back (with a space or a tab between key and reason: the format says
// white space) as a file that parses to the same list; and every place
// pattern matches the place it spells with its * left out.
func FuzzParseEquivalent(f *testing.F) {
	if data, err := os.ReadFile("equivalent.txt"); err == nil {
		f.Add(string(data)) // the checked-in file, whole
	}
	for _, s := range []string{
		"# comment\n\n0123456789ab  the result is never read\nsession/config.go:*.validate  configurations are valid\n",
		"0123456789ab\tthe result is never read\n",
		"0123456789ab\n",
		"session/x.go reason\n",
		"0123456789ab a\n0123456789ab b\n",
		"0123456789AB upper case\n",
		"a:* every function of a\n   indented:f  reason \t\n",
		"*:* (.*) [regexp] meta ^$ characters\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		e, err := ParseEquivalent("eq.txt", strings.NewReader(text))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "eq.txt:") && !strings.Contains(err.Error(), "token too long") {
				t.Fatalf("error %q does not name the file and line", err)
			}
			return
		}
		for _, sep := range []string{" ", "\t", " \t "} {
			printed := printEquivalent(e, sep)
			back, err := ParseEquivalent("printed.txt", strings.NewReader(printed))
			if err != nil || !reflect.DeepEqual(back, e) {
				t.Fatalf("list printed with %q as\n%s\nparses as %#v (%v), want %#v", sep, printed, back, err, e)
			}
		}
		for _, p := range e.Places {
			if place := strings.ReplaceAll(p.Pattern, "*", ""); !MatchPlace(p.Pattern, place) {
				t.Fatalf("pattern %q does not match %q", p.Pattern, place)
			}
		}
	})
}

// FuzzMatchPlace compares MatchPlace with the regexp it stands for (each
// * as (?s:.*), the rest quoted), on every pattern that regexp accepts:
// valid UTF-8.
func FuzzMatchPlace(f *testing.F) {
	for _, s := range [][2]string{
		{"session/config.go:*.validate", "session/config.go:(*Config).validate"},
		{"session/*.go:*", "session/retry.go:(*dispatcherSession).retry"},
		{"a*a", "a"}, {"a*a", "aa"}, {"*", ""}, {"**", "x"}, {"a*b*c", "abbc"}, {"a*b*c", "acb"},
		{"x", "x"}, {"x", "xx"}, {"*.go", "a.go\n"}, {"\xae:*", "\xae:f"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, place string) {
		got := MatchPlace(pattern, place)
		if !utf8.ValidString(pattern) {
			return // no regexp to compare with; not panicking was the point
		}
		parts := strings.Split(pattern, "*")
		for i, p := range parts {
			parts[i] = regexp.QuoteMeta(p)
		}
		want := regexp.MustCompile("^" + strings.Join(parts, "(?s:.*)") + "$").MatchString(place)
		if got != want {
			t.Fatalf("MatchPlace(%q, %q) = %t, the regexp says %t", pattern, place, got, want)
		}
	})
}
