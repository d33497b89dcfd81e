package mutate

import (
	"go/format"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// generate writes src as package p and returns the mutants of one
// operator.
func generate(t *testing.T, op, src string) []*Mutant {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "p.go"), []byte("package p\n\n"+src), 0o644))
	ms, err := Generate([]Package{{Dir: dir, Path: "p"}}, []string{op})
	require.NoError(t, err)
	return ms
}

// noBlank drops blank lines: the printer leaves some where statements
// were deleted or moved, which says nothing about the mutation.
func noBlank(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// printed returns each mutant's file, gofmt'd, without the package line
// and blank lines.
func printed(t *testing.T, ms []*Mutant) []string {
	t.Helper()
	var out []string
	for _, m := range ms {
		src, err := format.Source(m.Source)
		require.NoError(t, err, "%s", m.Source)
		out = append(out, noBlank(strings.TrimPrefix(string(src), "package p\n")))
	}
	return out
}

// want gofmts the expected files like printed does.
func want(t *testing.T, srcs ...string) []string {
	t.Helper()
	var out []string
	for _, s := range srcs {
		f, err := format.Source([]byte("package p\n\n" + s))
		require.NoError(t, err, s)
		out = append(out, noBlank(strings.TrimPrefix(string(f), "package p\n")))
	}
	return out
}

// Each operator, on a snippet, makes exactly the files listed, in order.
func TestOperators(t *testing.T) {
	cases := []struct {
		op, src string
		want    []string
	}{
		{"negate-cond", "func f(a int) int {\n\tif a > 1 {\n\t\treturn 1\n\t}\n\tfor !g() {\n\t}\n\treturn 0\n}\nfunc g() bool { return true }",
			[]string{"func f(a int) int {\n\tif !(a > 1) {\n\t\treturn 1\n\t}\n\tfor !g() {\n\t}\n\treturn 0\n}\nfunc g() bool { return true }",
				"func f(a int) int {\n\tif a > 1 {\n\t\treturn 1\n\t}\n\tfor g() {\n\t}\n\treturn 0\n}\nfunc g() bool { return true }"}},
		{"if-true", "func f(a int) int {\n\tif a > 1 {\n\t\treturn 1\n\t}\n\treturn 0\n}",
			[]string{"func f(a int) int {\n\tif true {\n\t\treturn 1\n\t}\n\treturn 0\n}"}},
		{"if-false", "func f(a int) int {\n\tif a > 1 {\n\t\treturn 1\n\t}\n\treturn 0\n}",
			[]string{"func f(a int) int {\n\tif false {\n\t\treturn 1\n\t}\n\treturn 0\n}"}},
		{"drop-operand", "func f(a int, b bool) bool {\n\treturn a > 1 && b\n}",
			[]string{"func f(a int, b bool) bool {\n\treturn a > 1\n}", "func f(a int, b bool) bool {\n\treturn b\n}"}},
		{"skip-check", "type s struct{ removed bool; n int }\nfunc (x *s) f() {\n\tif x.removed {\n\t\treturn\n\t}\n\tif x.n > 0 {\n\t\tx.n = 0\n\t}\n}",
			[]string{"type s struct {\n\tremoved bool\n\tn       int\n}\n\nfunc (x *s) f() {\n\tif false {\n\t\treturn\n\t}\n\tif x.n > 0 {\n\t\tx.n = 0\n\t}\n}"}},
		{"delete-call", "func f(m map[int]int) {\n\tg()\n\tdelete(m, 1)\n}\nfunc g() {}",
			[]string{"func f(m map[int]int) {\n\tdelete(m, 1)\n}\nfunc g() {}", "func f(m map[int]int) {\n\tg()\n}\nfunc g() {}"}},
		{"delete-send", "func f(ch chan int) {\n\tch <- 1\n\tclose(ch)\n}",
			[]string{"func f(ch chan int) {\n\tclose(ch)\n}"}},
		{"delete-assign", "type s struct{ n int }\nfunc (x *s) f(m map[int]int) {\n\ty := 1\n\ty = 2\n\tx.n = y\n\tm[1] = 2\n\tx.n++\n}",
			[]string{"type s struct{ n int }\n\nfunc (x *s) f(m map[int]int) {\n\ty := 1\n\ty = 2\n\tm[1] = 2\n\tx.n++\n}",
				"type s struct{ n int }\n\nfunc (x *s) f(m map[int]int) {\n\ty := 1\n\ty = 2\n\tx.n = y\n\tx.n++\n}",
				"type s struct{ n int }\n\nfunc (x *s) f(m map[int]int) {\n\ty := 1\n\ty = 2\n\tx.n = y\n\tm[1] = 2\n}"}},
		{"delete-defer", "func f() {\n\tdefer g()\n}\nfunc g() {}",
			[]string{"func f() {\n}\nfunc g() {}"}},
		{"return-early", "type T struct{}\nfunc f() (T, *T, error, bool) {\n\tg()\n\treturn T{}, nil, nil, true\n}\nfunc g() {}",
			[]string{"type T struct{}\n\nfunc f() (T, *T, error, bool) {\n\treturn *new(T), nil, nil, false\n\tg()\n\treturn T{}, nil, nil, true\n}\nfunc g() {}"}},
		{"lock-late", "import \"sync\"\ntype s struct{ mu sync.Mutex; n int }\nfunc (x *s) f() {\n\tx.mu.Lock()\n\tdefer x.mu.Unlock()\n\tx.n = 1\n}",
			[]string{"import \"sync\"\n\ntype s struct {\n\tmu sync.Mutex\n\tn  int\n}\n\nfunc (x *s) f() {\n\tx.n = 1\n\tx.mu.Lock()\n\tdefer x.mu.Unlock()\n}"}},
		{"unlock-early", "import \"sync\"\ntype s struct{ mu sync.Mutex; n int }\nfunc (x *s) f() {\n\tx.mu.Lock()\n\tx.n = 1\n\tx.mu.Unlock()\n}",
			[]string{"import \"sync\"\n\ntype s struct {\n\tmu sync.Mutex\n\tn  int\n}\n\nfunc (x *s) f() {\n\tx.mu.Lock()\n\tx.mu.Unlock()\n\tx.n = 1\n}"}},
		{"swap-stmts", "type s struct{ a, b int }\nfunc (x *s) f() {\n\tx.a = 1\n\tx.b = x.a\n}",
			[]string{"type s struct{ a, b int }\n\nfunc (x *s) f() {\n\tx.b = x.a\n\tx.a = 1\n}"}},
		{"boundary", "func f(a int) bool {\n\treturn a < 1 || a >= 5\n}",
			[]string{"func f(a int) bool {\n\treturn a <= 1 || a >= 5\n}", "func f(a int) bool {\n\treturn a < 1 || a > 5\n}"}},
		{"const-inc", "func f(a int) int {\n\treturn a + 0x10\n}",
			[]string{"func f(a int) int {\n\treturn a + 17\n}"}},
		{"const-dec", "func f(a int) int {\n\treturn a*0 + 2\n}",
			[]string{"func f(a int) int {\n\treturn a*0 + 1\n}"}},
	}
	for _, c := range cases {
		t.Run(c.op, func(t *testing.T) {
			require.Equal(t, want(t, c.want...), printed(t, generate(t, c.op, c.src)))
		})
	}
}

// The body of a switch holds clauses, not statements: return-early
// goes into a clause, and clauses are never swapped.
func TestSwitchBodiesHoldClauses(t *testing.T) {
	src := "func f(a int) int {\n\tswitch a {\n\tcase 1:\n\t\ta++\n\tcase 2:\n\t\ta--\n\t}\n\treturn a\n}"
	require.Empty(t, generate(t, "swap-stmts", src))
	require.Equal(t, want(t,
		"func f(a int) int {\n\treturn 0\n\tswitch a {\n\tcase 1:\n\t\ta++\n\tcase 2:\n\t\ta--\n\t}\n\treturn a\n}",
		"func f(a int) int {\n\tswitch a {\n\tcase 1:\n\t\treturn 0\n\t\ta++\n\tcase 2:\n\t\ta--\n\t}\n\treturn a\n}",
		"func f(a int) int {\n\tswitch a {\n\tcase 1:\n\t\ta++\n\tcase 2:\n\t\treturn 0\n\t\ta--\n\t}\n\treturn a\n}"),
		printed(t, generate(t, "return-early", src)))
}

// A block that only traces before the same return gets no return-early:
// it would be the same program.
func TestReturnEarlyNotBeforeTheSameReturn(t *testing.T) {
	src := "func tracef(string, ...any) {}\nfunc f(a int) bool {\n\tif a > 1 {\n\t\ttracef(\"big\")\n\t\treturn false\n\t}\n\tif a < 0 {\n\t\ttracef(\"neg\")\n\t\treturn true\n\t}\n\treturn true\n}"
	var got []string
	for _, m := range generate(t, "return-early", src) {
		got = append(got, m.Before)
	}
	require.Equal(t, []string{`if a > 1 { tracef("big") return false }`, `tracef("neg")`}, got)
}

// Each mutant says where it is and what it changed, one line each.
func TestDescription(t *testing.T) {
	ms := generate(t, "negate-cond", "func f(a int) int {\n\tif a > 1 {\n\t\treturn 1\n\t}\n\treturn 0\n}")
	require.Len(t, ms, 1)
	m := ms[0]
	require.Equal(t, "p/p.go:4:5", m.Pos())
	require.Equal(t, "f", m.Func)
	require.Equal(t, "if a > 1  ->  if !(a > 1)", m.Describe())
	require.Equal(t, "p/p.go:f:negate-cond:if a > 1#0", m.Key)
	require.Len(t, m.ID, 12)
}

// Trace calls are observations: nothing in them or of them is mutated.
// Variant checks are not mutated either, nor code that runs only with a
// bug variant on.
func TestObservationsAndVariantsAreLeftAlone(t *testing.T) {
	src := "type s struct{ n int; v vs }\ntype vs struct{}\nfunc (vs) Bug(string) bool { return false }\n" +
		"func (x *s) tracef(string, ...any) {}\nfunc (x *s) f() {\n\tx.tracef(\"n %d\", 1)\n\tif x.v.Bug(\"f1\") {\n\t\tx.n = 5\n\t}\n}"
	for _, op := range []string{"delete-call", "const-inc", "if-true", "negate-cond", "delete-assign"} {
		for _, m := range generate(t, op, src) {
			require.NotEqual(t, "(*s).f", m.Func, "%s: %s", op, m.Describe())
		}
	}
}

// A mutant of code after a patch's branch is marked to be swept with
// that patch off; one inside the branch, or before it, is not.
func TestPatchGuard(t *testing.T) {
	src := "const patchX = \"h4\"\ntype s struct{ n int; v vs }\ntype vs struct{}\nfunc (vs) Patch(string) bool { return false }\n" +
		"func (x *s) f() {\n\tx.n = 1\n\tif x.v.Patch(patchX) {\n\t\tx.n = 2\n\t\treturn\n\t}\n\tx.n = 3\n}"
	got := map[string]string{}
	for _, m := range generate(t, "delete-assign", src) {
		got[m.Before] = m.PatchOff
	}
	require.Equal(t, map[string]string{"x.n = 1": "", "x.n = 2": "", "x.n = 3": "h4"}, got)
}

// IDs do not move when unrelated code is added above the mutant.
func TestIDsSurviveUnrelatedEdits(t *testing.T) {
	body := "func f(a int) int {\n\tif a > 1 {\n\t\treturn 1\n\t}\n\treturn 0\n}"
	a := generate(t, "boundary", body)
	b := generate(t, "boundary", "func g() {}\n\n\n"+body)
	require.Len(t, a, 1)
	require.Len(t, b, 1)
	require.Equal(t, a[0].ID, b[0].ID)
	require.NotEqual(t, a[0].Line, b[0].Line)
}

// The same list, size and seed sample the same mutants; another seed
// others.
func TestSampleIsDeterministic(t *testing.T) {
	var ms []*Mutant
	for i := range 50 {
		ms = append(ms, &Mutant{ID: string(rune('a' + i))})
	}
	a, b, c := Sample(ms, 10, 3), Sample(ms, 10, 3), Sample(ms, 10, 4)
	require.Equal(t, a, b)
	require.NotEqual(t, a, c)
	require.Len(t, a, 10)
	require.Equal(t, ms, Sample(ms, 0, 3))
}

// The equivalence file needs a reason per mutant and refuses what is
// not an ID.
func TestReadEquivalent(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) string {
		p := filepath.Join(dir, "eq.txt")
		require.NoError(t, os.WriteFile(p, []byte(s), 0o644))
		return p
	}
	eq, err := ReadEquivalent(write("# comment\n\n0123456789ab  the result is never read\nsession/config.go:*.validate  configurations are valid\n"), false)
	require.NoError(t, err)
	require.Equal(t, Equivalent{IDs: map[string]string{"0123456789ab": "the result is never read"},
		Places: []EquivalentPlace{{"session/config.go:*.validate", "configurations are valid"}}}, eq)
	require.Equal(t, "the result is never read", eq.Reason(&Mutant{ID: "0123456789ab"}))
	require.Equal(t, "configurations are valid", eq.Reason(&Mutant{ID: "ffffffffffff", File: "session/config.go", Func: "(*Config).validate"}))
	require.Empty(t, eq.Reason(&Mutant{ID: "ffffffffffff", File: "session/config.go", Func: "(*Config).apply"}))
	_, err = ReadEquivalent(write("0123456789ab\n"), false)
	require.ErrorContains(t, err, "no reason")
	_, err = ReadEquivalent(write("session/x.go reason\n"), false)
	require.ErrorContains(t, err, "not a mutant ID")
	_, err = ReadEquivalent(write("0123456789ab a\n0123456789ab b\n"), false)
	require.ErrorContains(t, err, "listed twice")
	eq, err = ReadEquivalent(filepath.Join(dir, "missing"), true)
	require.NoError(t, err)
	require.Empty(t, eq.IDs)
	require.Empty(t, eq.Places)
}

// Assertions are oracles the model carries: an assertion function, an
// assertion call and an if whose body only asserts or traces are neither
// mutated nor moved; the statement beside them still is.
func TestAssertionsAreLeftAlone(t *testing.T) {
	src := "type s struct{ n int; trace bool }\n" +
		"func assertf(c bool, f string) { if !c { panic(f) } }\n" +
		"func (x *s) tracef(string, ...any) {}\n" +
		"func (x *s) assertSane() { if x.n < 0 || x.n > 9 { panic(\"n\") } }\n" +
		"func (x *s) f(ok bool) {\n\tassertf(x.n >= 0, \"n\")\n\tif !ok {\n\t\tpanic(\"not ok\")\n\t}\n" +
		"\tif x.trace {\n\t\tx.tracef(\"n\")\n\t}\n\tx.n++\n}"
	for _, op := range []string{"delete-call", "if-true", "if-false", "negate-cond", "drop-operand", "boundary", "const-inc", "return-early"} {
		for _, m := range generate(t, op, src) {
			require.NotContains(t, []string{"assertf", "(*s).assertSane"}, m.Func, "%s: %s", op, m.Describe())
			require.NotContains(t, m.Describe(), "panic", "%s", op)
			if op != "return-early" { // a return before the assertion skips x.n++: behaviour
				require.NotContains(t, m.Describe(), "x.n >= 0", "%s", op)
			}
		}
	}
	swaps := generate(t, "swap-stmts", src)
	require.Empty(t, swaps, "the only neighbours of x.n++ are observations")
	require.NotEmpty(t, generate(t, "delete-assign", src), "x.n++ is still mutated")
}

// Two adjacent assignments with no call between them that touch
// different things are never swapped: no scheduling point separates
// them, so no run can tell the order. A dependency, a call or a shared
// root keeps the swap.
func TestSwapSkipsIndependentAssignments(t *testing.T) {
	pre := "type s struct{ a, b int; m []int; p *s }\nfunc g() int { return 0 }\nfunc (x *s) f(i int) {\n"
	for body, swaps := range map[string]int{
		"x.a = 1\nx.b = 2":         0, // independent fields
		"x.a = 1\nx.b = x.a":       1, // b reads a
		"x.a += 1\nx.a = 2":        1, // the same field
		"x.a = g()\nx.b = 2":       1, // a call may yield
		"x.m[i] = 1\nx.b = x.m[0]": 1, // an element of m, then m read
		"x.p = nil\nx.p.a = 1":     1, // p, then a field through p
		"x.a = 1\ni = 2":           0, // a local
	} {
		got := generate(t, "swap-stmts", pre+body+"\n}")
		require.Len(t, got, swaps, "%s", body)
	}
}
