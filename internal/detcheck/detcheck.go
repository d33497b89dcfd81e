package detcheck

import (
	"cmp"
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
)

// Violation is one place where checked source breaks a rule.
type Violation struct {
	Pos     token.Position // where the offending construct starts
	Rule    string         // the rule's name, as written in allow comments
	Message string         // what is wrong and what to use instead

	// at is Pos as a token.Pos in the file set the file was parsed
	// into, which the analyzer reports diagnostics at; zero for a
	// violation that has no place in the source (a failed import).
	at token.Pos
}

// String formats v the way compilers report errors, so editors and CI logs
// can jump to it: "file:line:col: rule: message".
func (v Violation) String() string {
	return fmt.Sprintf("%s:%d:%d: %s: %s", v.Pos.Filename, v.Pos.Line, v.Pos.Column, v.Rule, v.Message)
}

// sourceFile is one parsed file with the bytes it was parsed from; the
// bytes tell a comment that trails code from one that stands alone.
type sourceFile struct {
	ast *ast.File
	src []byte
}

// CheckDir checks the package in dir: the non-test .go files that go/build
// selects for the current platform. Violations come back sorted by file,
// line and column, so the output is stable and diffable. The error is for
// a directory that cannot be read or holds no Go package; a package that
// does not parse or type-check is reported through typecheck violations
// instead, so that it cannot pass by accident.
//
// CheckDir type-checks the package's imports from source each time; use a
// Checker to check several packages with the imports checked once.
func CheckDir(dir string) ([]Violation, error) {
	return NewChecker().CheckDir(dir)
}

// Checker checks packages one after another, type-checking each imported
// package once and reusing it: importing fmt and its dependencies from
// source costs more than checking a small model package, so sharing is
// what keeps a lint of the whole model within a few seconds. A Checker
// keeps the imports as they were when first loaded, so use a new one when
// the source may have changed. It is not safe for concurrent use.
type Checker struct {
	fset *token.FileSet
	imp  types.Importer
}

// NewChecker returns a Checker with nothing loaded yet. Imports are
// type-checked from source, which needs no prebuilt export data and so
// behaves the same on every machine and in every build cache state.
func NewChecker() *Checker {
	fset := token.NewFileSet()
	return &Checker{fset: fset, imp: importer.ForCompiler(fset, "source", nil)}
}

// CheckDir checks the package in dir, as the function CheckDir does.
func (c *Checker) CheckDir(dir string) ([]Violation, error) {
	bp, err := build.ImportDir(dir, 0)
	if err != nil {
		return nil, fmt.Errorf("detcheck: %w", err)
	}
	files, out, err := parseFiles(c.fset, dir, bp.GoFiles)
	if err != nil {
		return nil, err
	}
	info, typeErrs := typeCheck(c.fset, c.imp, bp.Name, files)
	out = append(out, typeErrs...)
	for _, f := range files {
		out = append(out, checkFile(c.fset, info, f)...)
	}
	sortViolations(out)
	return out, nil
}

// parseFiles parses names in dir. Syntax errors become typecheck
// violations and the partial syntax tree is still checked; only a file
// that cannot be read is an error.
func parseFiles(fset *token.FileSet, dir string, names []string) ([]sourceFile, []Violation, error) {
	var files []sourceFile
	var out []Violation
	for _, name := range names {
		path := filepath.Join(dir, name)
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, fmt.Errorf("detcheck: %w", err)
		}
		f, err := parser.ParseFile(fset, path, src, parser.ParseComments|parser.SkipObjectResolution)
		var list scanner.ErrorList
		if errors.As(err, &list) {
			for _, e := range list {
				out = append(out, Violation{Pos: e.Pos, Rule: ruleTypecheck, Message: e.Msg})
			}
		} else if err != nil {
			return nil, nil, fmt.Errorf("detcheck: %w", err)
		}
		if f != nil {
			files = append(files, sourceFile{ast: f, src: src})
		}
	}
	return files, out, nil
}

// typeCheck type-checks files as one package and returns what the rules
// need to know about them, with every type error as a violation.
func typeCheck(fset *token.FileSet, imp types.Importer, path string, files []sourceFile) (*types.Info, []Violation) {
	var out []Violation
	conf := types.Config{
		Importer: imp,
		Error: func(err error) {
			var te types.Error
			if errors.As(err, &te) {
				out = append(out, Violation{Pos: fset.Position(te.Pos), Rule: ruleTypecheck, Message: te.Msg, at: te.Pos})
				return
			}
			out = append(out, Violation{Rule: ruleTypecheck, Message: err.Error()})
		},
	}
	info := &types.Info{
		Types: make(map[ast.Expr]types.TypeAndValue),
		Uses:  make(map[*ast.Ident]types.Object),
	}
	asts := make([]*ast.File, len(files))
	for i, f := range files {
		asts[i] = f.ast
	}
	// The returned error is the first of those already passed to
	// conf.Error, so it carries nothing new.
	_, _ = conf.Check(path, fset, asts, info)
	return info, out
}

// checkFile runs every rule on f and drops the violations that its allow
// comments cover; problems with the allow comments themselves are added.
func checkFile(fset *token.FileSet, info *types.Info, f sourceFile) []Violation {
	allowed, out := collectAllows(fset, f)
	for _, v := range findViolations(fset, info, f.ast) {
		if !allowed.covers(v) {
			out = append(out, v)
		}
	}
	return out
}

// sortViolations orders vs by position, then rule and message, so that two
// violations at one position still come out in a fixed order.
func sortViolations(vs []Violation) {
	slices.SortFunc(vs, func(a, b Violation) int {
		return cmp.Or(
			cmp.Compare(a.Pos.Filename, b.Pos.Filename),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Column, b.Pos.Column),
			cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Message, b.Message),
		)
	})
}
