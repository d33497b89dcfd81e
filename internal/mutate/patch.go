package mutate

import (
	"go/ast"
	"go/token"
	"os"
	"strconv"
)

// The workloads run with every hazard patch on (workloads.Patched), and
// a patch replaces a piece of HEAD's code path with its own: in the
// model it is a branch on X.variants.Patch(name) (or cfg.Variants), in
// an if or a switch case, usually ending with a return, or followed by
// HEAD's code in an else, a later case or the default. A mutant of that
// HEAD code may never run while the patch is on, so the patch must also
// be turned off for it.
//
// patchGuard finds such branches in the site's function: the site is
// behind one when it comes after a Patch(...) call in the source and is
// not inside the branch that the call guards. That is an
// over-approximation (code after an if Patch {...} without a return
// still runs with the patch on), which costs a second sweep only for a
// mutant that survived the first. Code that runs only under a patch
// (inside its branch) is swept with the patches on, as always. A
// function that is reached only from a patched-out path, in another
// function, is not found.

// patchGuard returns the name of the patch whose branch the site at pos
// comes after, "*" when the name is not a constant of the package, or ""
// when there is none.
func patchGuard(fn *funcInfo, pos token.Pos, consts map[string]string) string {
	guard := ""
	ast.Inspect(fn.decl.Body, func(n ast.Node) bool {
		var cond ast.Expr
		var body ast.Node
		switch s := n.(type) {
		case *ast.IfStmt:
			cond, body = s.Cond, s.Body
		case *ast.CaseClause:
			if len(s.List) == 1 {
				cond = s.List[0]
				body = &ast.BlockStmt{Lbrace: s.Colon, List: s.Body, Rbrace: s.End()}
			}
		}
		if cond == nil || guard != "" {
			return guard == ""
		}
		call := variantCall(cond, "Patch")
		if call == nil || pos <= call.End() || (pos >= body.Pos() && pos < body.End()) {
			return true
		}
		guard = patchName(call, consts)
		return false
	})
	return guard
}

// inBugBranch reports whether pos is inside a branch taken only when a
// bug variant is on: code that never runs in a sweep, whose mutants
// would all survive for nothing.
func inBugBranch(fn *funcInfo, pos token.Pos) bool {
	in := false
	ast.Inspect(fn.decl.Body, func(n ast.Node) bool {
		switch s := n.(type) {
		case *ast.IfStmt:
			in = in || variantCall(s.Cond, "Bug") != nil && pos >= s.Body.Pos() && pos < s.Body.End()
		case *ast.CaseClause:
			in = in || len(s.List) == 1 && variantCall(s.List[0], "Bug") != nil && pos > s.Colon && pos < s.End()
		}
		return !in
	})
	return in
}

// variantCall returns the first X.method(arg) call in e: method is Bug
// or Patch, the variant checks of the model.
func variantCall(e ast.Expr, method string) *ast.CallExpr {
	var found *ast.CallExpr
	ast.Inspect(e, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok && found == nil && len(call.Args) == 1 {
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == method {
				found = call
			}
		}
		return found == nil
	})
	return found
}

func patchName(call *ast.CallExpr, consts map[string]string) string {
	switch a := call.Args[0].(type) {
	case *ast.BasicLit:
		if s, err := strconv.Unquote(a.Value); err == nil {
			return s
		}
	case *ast.Ident:
		if s, ok := consts[a.Name]; ok {
			return s
		}
	case *ast.SelectorExpr:
		if s, ok := consts[a.Sel.Name]; ok {
			return s
		}
	}
	return "*"
}

// packageConsts returns the package's string constants by name: the
// patch names (patchCommitClear = "h4").
func packageConsts(files []string) (map[string]string, error) {
	out := map[string]string{}
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		p, err := parseFile(path, src)
		if err != nil {
			return nil, err
		}
		for _, d := range p.file.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							out[name.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			}
		}
	}
	return out, nil
}
