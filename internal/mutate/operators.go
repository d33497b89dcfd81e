package mutate

import (
	"fmt"
	"go/ast"
	"go/token"
	"slices"
	"strings"
)

// Operator is one kind of mutation, named by a short stable name.
type Operator struct {
	Name string
	// Doc says what it does and which real bug it stands for.
	Doc  string
	find func(vs []visit) []site
}

// site is one place an operator can change: apply changes the parsed
// file in place and returns the changed code, one line.
type site struct {
	fn     *funcInfo
	pos    token.Pos
	before func() string
	apply  func() string
	// skip is set for a site the operator finds but Generate leaves
	// out: a condition that selects a variant (mutating it only turns
	// a bug or patch on or off) or guards tracing.
	skip bool
}

// Operators lists every operator, in the order Generate applies them:
// when two operators make the same file, the first one names the mutant.
var Operators = []*Operator{
	{"skip-check", "an if whose condition reads a removed, epoch or stale field is never taken: a missing removed/epoch/stale check", findSkipCheck},
	{"negate-cond", "an if or for condition is negated: an inverted test", findNegate},
	{"if-true", "an if condition is replaced by true: a guard dropped, its body always runs", findIfConst("true")},
	{"if-false", "an if condition is replaced by false: its body never runs", findIfConst("false")},
	{"drop-operand", "one operand of && or || is dropped: a half-checked condition", findDropOperand},
	{"delete-call", "a call statement is deleted (a cleanup, a delete(), a notification)", findDelete(isPlainCall)},
	{"delete-send", "a channel send is deleted: a message never sent", findDelete(isSend)},
	{"delete-assign", "an assignment to a field, map or slice element is deleted: a state update lost", findDelete(isStateWrite)},
	{"delete-defer", "a defer is deleted: a cleanup or unlock never runs", findDelete(isDefer)},
	{"return-early", "a return with zero values is inserted at the top of a block: a path that gives up early", findReturnEarly},
	{"lock-late", "the statement just after a Lock is moved before it: a read or write outside the critical section", findLockLate},
	{"unlock-early", "the statement just before an Unlock is moved after it: a write after the critical section", findUnlockEarly},
	{"swap-stmts", "two adjacent statements are swapped: an ordering bug", findSwap},
	{"boundary", "< and <=, > and >= are exchanged: an off-by-one", findBoundary},
	{"const-inc", "an integer constant is increased by one", findConst(+1)},
	{"const-dec", "a positive integer constant is decreased by one", findConst(-1)},
}

// Names returns the operators' names.
func Names() []string {
	out := make([]string, len(Operators))
	for i, op := range Operators {
		out[i] = op.Name
	}
	return out
}

// Lookup returns the named operators in the order of Operators; none
// means all.
func Lookup(names []string) ([]*Operator, error) {
	if len(names) == 0 {
		return Operators, nil
	}
	for _, n := range names {
		if !slices.Contains(Names(), n) {
			return nil, fmt.Errorf("unknown mutation operator %q; known: %s", n, strings.Join(Names(), ", "))
		}
	}
	var out []*Operator
	for _, op := range Operators {
		if slices.Contains(names, op.Name) {
			out = append(out, op)
		}
	}
	return out, nil
}

func sitesOf(p *parsed, op *Operator) []site { return op.find(visits(p)) }

func condSite(v visit, cond *ast.Expr, to func(ast.Expr) ast.Expr, prefix string) site {
	skip := variantCall(*cond, "Bug") != nil || variantCall(*cond, "Patch") != nil || mentionsName(*cond, "trace")
	return site{fn: v.fn, pos: (*cond).Pos(), skip: skip,
		before: func() string { return prefix + render(*cond) },
		apply: func() string {
			*cond = to(*cond)
			return prefix + render(*cond)
		}}
}

func findSkipCheck(vs []visit) []site {
	var out []site
	for _, v := range vs {
		if s, ok := v.node.(*ast.IfStmt); ok && !v.inTrace && mentionsCheck(s.Cond) {
			out = append(out, condSite(v, &s.Cond, func(ast.Expr) ast.Expr { return ast.NewIdent("false") }, "if "))
		}
	}
	return out
}

// mentionsCheck reports whether an expression reads a name with
// removed, epoch or stale in it.
func mentionsCheck(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			l := strings.ToLower(id.Name)
			found = found || strings.Contains(l, "removed") || strings.Contains(l, "epoch") || strings.Contains(l, "stale")
		}
		return !found
	})
	return found
}

func mentionsName(e ast.Expr, name string) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == name {
			found = true
		}
		return !found
	})
	return found
}

func negate(e ast.Expr) ast.Expr {
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.NOT {
		return u.X
	}
	switch e.(type) {
	case *ast.Ident, *ast.CallExpr, *ast.SelectorExpr, *ast.ParenExpr, *ast.IndexExpr:
		return &ast.UnaryExpr{Op: token.NOT, X: e}
	}
	return &ast.UnaryExpr{Op: token.NOT, X: &ast.ParenExpr{X: e}}
}

func findNegate(vs []visit) []site {
	var out []site
	for _, v := range vs {
		if v.inTrace {
			continue
		}
		switch s := v.node.(type) {
		case *ast.IfStmt:
			out = append(out, condSite(v, &s.Cond, negate, "if "))
		case *ast.ForStmt:
			if s.Cond != nil {
				out = append(out, condSite(v, &s.Cond, negate, "for "))
			}
		}
	}
	return out
}

func findIfConst(value string) func([]visit) []site {
	return func(vs []visit) []site {
		var out []site
		for _, v := range vs {
			if s, ok := v.node.(*ast.IfStmt); ok && !v.inTrace {
				out = append(out, condSite(v, &s.Cond, func(ast.Expr) ast.Expr { return ast.NewIdent(value) }, "if "))
			}
		}
		return out
	}
}

func findDropOperand(vs []visit) []site {
	var out []site
	for _, v := range vs {
		b, ok := v.node.(*ast.BinaryExpr)
		if !ok || v.inTrace || (b.Op != token.LAND && b.Op != token.LOR) {
			continue
		}
		parent := v.parent()
		for _, keep := range []ast.Expr{b.X, b.Y} {
			out = append(out, site{fn: v.fn, pos: b.Pos(),
				before: func() string { return render(b) },
				apply: func() string {
					if !replaceExpr(parent, b, keep) {
						panic(fmt.Sprintf("drop-operand: %s not found in its parent", render(b)))
					}
					return render(keep)
				}})
		}
	}
	return out
}

func findBoundary(vs []visit) []site {
	flip := map[token.Token]token.Token{token.LSS: token.LEQ, token.LEQ: token.LSS, token.GTR: token.GEQ, token.GEQ: token.GTR}
	var out []site
	for _, v := range vs {
		b, ok := v.node.(*ast.BinaryExpr)
		if !ok || v.inTrace || flip[b.Op] == token.ILLEGAL {
			continue
		}
		out = append(out, site{fn: v.fn, pos: b.OpPos,
			before: func() string { return render(b) },
			apply: func() string {
				b.Op = flip[b.Op]
				return render(b)
			}})
	}
	return out
}

// findConst changes integer literals by delta. The rendering shows the
// expression around the literal, for context.
func findConst(delta int64) func([]visit) []site {
	return func(vs []visit) []site {
		var out []site
		for _, v := range vs {
			lit, ok := v.node.(*ast.BasicLit)
			if !ok || v.inTrace || lit.Kind != token.INT {
				continue
			}
			n, ok := parseInt(lit.Value)
			if !ok || n+delta < 0 {
				continue
			}
			var context ast.Node = lit
			if e, ok := v.parent().(ast.Expr); ok {
				context = e
			}
			out = append(out, site{fn: v.fn, pos: lit.Pos(),
				before: func() string { return render(context) },
				apply: func() string {
					lit.Value = fmt.Sprint(n + delta)
					return render(context)
				}})
		}
		return out
	}
}
