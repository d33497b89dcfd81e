package mutate

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Mutant is one small change to one file of a model package.
type Mutant struct {
	// ID is 12 hex digits of the sha256 of Key: stable across runs and
	// across edits elsewhere in the file, since Key holds no line number.
	ID string `json:"id"`
	// Key is package/file:function:operator:snippet#k, where snippet is
	// the code before the change with its spacing normalised and k counts
	// the earlier sites of the same function, operator and snippet.
	Key string `json:"key"`
	// Pkg is the package's path inside its module ("session").
	Pkg string `json:"pkg"`
	// File is the file's path inside its module ("session/retry.go");
	// Path is where it is on disk.
	File string `json:"file"`
	Path string `json:"-"`
	// Line and Col are the site's position in the original file.
	Line int    `json:"line"`
	Col  int    `json:"col"`
	Func string `json:"func"`
	Op   string `json:"op"`
	// Before and After are the changed code, one line each.
	Before string `json:"before"`
	After  string `json:"after"`
	// PatchOff is set when the site lies on a path that a patch variant
	// of the same function replaces (see patch.go): the patch's name,
	// e.g. "h4", or "*" when the guard names a patch this package cannot
	// resolve. The mutant must also be swept with that patch off.
	PatchOff string `json:"patch_off,omitempty"`
	// Source is the whole mutated file, printed without comments.
	Source []byte `json:"-"`
}

// Pos returns file:line:col.
func (m *Mutant) Pos() string { return fmt.Sprintf("%s:%d:%d", m.File, m.Line, m.Col) }

// Describe returns "before -> after".
func (m *Mutant) Describe() string { return m.Before + "  ->  " + m.After }

// Package is a directory of Go files to mutate.
type Package struct {
	// Dir is the package's directory; Path its path inside the module,
	// used in IDs and reports.
	Dir, Path string
}

// Generate returns every mutant the operators make of the packages'
// non-test files, in a fixed order: packages as given, files by name,
// operators in the order of Operators, sites in source order. A mutant
// whose printed file equals the original, or equals an earlier mutant of
// the same file, is left out (so "if false" of skip-check is not counted
// again as if-false).
func Generate(pkgs []Package, ops []string) ([]*Mutant, error) {
	chosen, err := Lookup(ops)
	if err != nil {
		return nil, err
	}
	var out []*Mutant
	for _, p := range pkgs {
		files, err := sourceFiles(p.Dir)
		if err != nil {
			return nil, err
		}
		consts, err := packageConsts(files)
		if err != nil {
			return nil, err
		}
		for _, path := range files {
			ms, err := generateFile(p, path, chosen, consts)
			if err != nil {
				return nil, err
			}
			out = append(out, ms...)
		}
	}
	return out, nil
}

// sourceFiles lists the package's .go files that are not tests, by name.
func sourceFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
			out = append(out, filepath.Join(dir, n))
		}
	}
	slices.Sort(out)
	return out, nil
}

// parsed is one parse of a file: every mutant starts from a fresh one,
// so that no change leaks into the next.
type parsed struct {
	fset *token.FileSet
	file *ast.File
}

func parseFile(path string, src []byte) (*parsed, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	// Comments are dropped: statements moved by an operator would drag
	// them into odd places, and a // comment printed before code on the
	// same line would comment it out. The model has no build tags.
	f.Comments = nil
	return &parsed{fset: fset, file: f}, nil
}

func (p *parsed) print() ([]byte, error) {
	var buf bytes.Buffer
	cfg := printer.Config{Mode: printer.UseSpaces | printer.TabIndent, Tabwidth: 8}
	if err := cfg.Fprint(&buf, p.fset, p.file); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// generateFile makes the mutants of one file: for each operator, count
// its sites on one parse, then apply site i to a fresh parse for each i.
func generateFile(p Package, path string, ops []*Operator, consts map[string]string) ([]*Mutant, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	orig, err := parseFile(path, src)
	if err != nil {
		return nil, err
	}
	base, err := orig.print()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{string(base): true}
	occurrences := map[string]int{}
	rel := filepath.ToSlash(filepath.Join(p.Path, filepath.Base(path)))
	var out []*Mutant
	for _, op := range ops {
		n := len(sitesOf(orig, op))
		for i := range n {
			fresh, err := parseFile(path, src)
			if err != nil {
				return nil, err
			}
			s := sitesOf(fresh, op)[i]
			if s.skip || inBugBranch(s.fn, s.pos) {
				continue
			}
			before := s.before()
			patch := patchGuard(s.fn, s.pos, consts)
			after := s.apply()
			text, err := fresh.print()
			if err != nil {
				return nil, fmt.Errorf("%s: printing a %s mutant: %v", rel, op.Name, err)
			}
			if seen[string(text)] {
				continue
			}
			seen[string(text)] = true
			pos := fresh.fset.Position(s.pos)
			m := &Mutant{Pkg: p.Path, File: rel, Path: path, Line: pos.Line, Col: pos.Column,
				Func: s.fn.name, Op: op.Name, Before: before, After: after, Source: text}
			prefix := fmt.Sprintf("%s:%s:%s:%s", rel, m.Func, m.Op, m.Before)
			m.Key = fmt.Sprintf("%s#%d", prefix, occurrences[prefix])
			occurrences[prefix]++
			sum := sha256.Sum256([]byte(m.Key))
			m.ID = hex.EncodeToString(sum[:])[:12]
			m.PatchOff = patch
			out = append(out, m)
		}
	}
	return out, nil
}
