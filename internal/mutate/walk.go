package mutate

import (
	"bytes"
	"go/ast"
	"go/printer"
	"go/token"
	"reflect"
	"strings"
)

// funcInfo is the function declaration a site is in.
type funcInfo struct {
	// name is "F", "T.M" or "(*T).M".
	name string
	decl *ast.FuncDecl
}

func funcName(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return d.Name.Name
	}
	var b bytes.Buffer
	printer.Fprint(&b, token.NewFileSet(), d.Recv.List[0].Type)
	recv := b.String()
	if i := strings.IndexByte(recv, '['); i >= 0 {
		recv = recv[:i] // T[K] -> T
		if recv == "*" {
			recv = "*" + recv
		}
	}
	if strings.HasPrefix(recv, "*") {
		return "(" + recv + ")." + d.Name.Name
	}
	return recv + "." + d.Name.Name
}

// visit is one node inside a function body, with its ancestors.
type visit struct {
	node ast.Node
	// stack is the node's ancestors inside the function, outermost
	// first, the function's body included.
	stack []ast.Node
	fn    *funcInfo
	// inTrace is set inside a call to a trace function: observations
	// are not mutated, since they cannot change what the model does.
	inTrace bool
}

func (v *visit) parent() ast.Node {
	if len(v.stack) == 0 {
		return nil
	}
	return v.stack[len(v.stack)-1]
}

// funcType returns the type of the innermost function (literal or
// declaration) around the node: what a return there must return.
func (v *visit) funcType() *ast.FuncType {
	for i := len(v.stack) - 1; i >= 0; i-- {
		if lit, ok := v.stack[i].(*ast.FuncLit); ok {
			return lit.Type
		}
	}
	return v.fn.decl.Type
}

// visits lists every node of every function body of the file in source
// order (only function bodies are mutated: package-level declarations
// are the model's shape, not its behaviour).
func visits(p *parsed) []visit {
	var out []visit
	for _, d := range p.file.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		if strings.HasPrefix(fd.Name.Name, "assert") {
			continue // an assertion function is an oracle, not behaviour
		}
		fn := &funcInfo{name: funcName(fd), decl: fd}
		var stack []ast.Node
		traceDepth := 0
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			if n == nil {
				top := stack[len(stack)-1]
				if isObservation(top) {
					traceDepth--
				}
				stack = stack[:len(stack)-1]
				return true
			}
			if isObservation(n) {
				traceDepth++
			}
			out = append(out, visit{node: n, stack: append([]ast.Node(nil), stack...), fn: fn, inTrace: traceDepth > 0})
			stack = append(stack, n)
			return true
		})
	}
	return out
}

// traceFuncs are the model's observations: its trace calls, its
// assertions (assertf, tiassert.Failf, panic), the session's bump,
// which moves Stat.Version and tells Config.Changed, and the coverage
// calls (coverTransition, coverRequeue, covered, cover, any cover*), all read only by
// the checkers and the sweep's summary. An assertion is an oracle
// the model carries, like a checker: a mutant that deletes or weakens one
// can differ from the original only on a run where the assertion would
// have fired, which a correct model never has, and a mutant that
// strengthens one tests the oracle, not the protocol. So neither is
// generated (doc.go, "What is mutated").
var traceFuncs = map[string]bool{"tracef": true, "Tracef": true, "assertf": true, "Failf": true, "panic": true, "bump": true,
	"coverTransition": true, "coverRequeue": true, "covered": true, "cover": true, "Cover": true}

func isTraceCall(n ast.Node) bool {
	call, ok := n.(*ast.CallExpr)
	if !ok {
		return false
	}
	name := calleeName(call)
	return traceFuncs[name] || strings.HasPrefix(name, "cover") // coverRemoveUnknown and the like
}

// isObservation reports whether n only observes: a trace or assertion
// call, or an if without else whose body only traces or asserts (a guard
// such as "if s.trace != nil { s.tracef(...) }" or "if !ok { panic(...)
// }"), which no operator may mutate, move or delete.
func isObservation(n ast.Node) bool {
	if isTraceCall(n) {
		return true
	}
	s, ok := n.(*ast.IfStmt)
	if !ok || s.Else != nil || s.Init != nil || len(s.Body.List) == 0 {
		return false
	}
	for _, b := range s.Body.List {
		if !isObservationStmt(b) {
			return false
		}
	}
	return true
}

// isObservationStmt reports whether a statement only observes.
func isObservationStmt(s ast.Stmt) bool {
	if e, ok := s.(*ast.ExprStmt); ok {
		return isTraceCall(e.X)
	}
	return isObservation(s)
}

// calleeName returns f of f(...) or x.f(...), else "".
func calleeName(call *ast.CallExpr) string {
	switch f := call.Fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	}
	return ""
}

// stmtList is a list of statements that an operator may edit: a block's,
// or a case or select clause's.
type stmtList struct {
	v    visit
	list *[]ast.Stmt
}

func stmtLists(vs []visit) []stmtList {
	var out []stmtList
	for _, v := range vs {
		if v.inTrace {
			continue
		}
		switch n := v.node.(type) {
		case *ast.BlockStmt:
			if isClauseBlock(v.parent(), n) {
				continue // its statements are case clauses, not statements
			}
			out = append(out, stmtList{v, &n.List})
		case *ast.CaseClause:
			out = append(out, stmtList{v, &n.Body})
		case *ast.CommClause:
			out = append(out, stmtList{v, &n.Body})
		}
	}
	return out
}

// isClauseBlock reports whether b is the body of a switch, type switch
// or select: a list of clauses, which no operator may insert into,
// delete from or reorder (reordered clauses of a switch are the same
// program whenever its cases are disjoint).
func isClauseBlock(parent ast.Node, b *ast.BlockStmt) bool {
	switch p := parent.(type) {
	case *ast.SwitchStmt:
		return p.Body == b
	case *ast.TypeSwitchStmt:
		return p.Body == b
	case *ast.SelectStmt:
		return p.Body == b
	}
	return false
}

// replaceExpr replaces old by repl in one of parent's fields (or an
// element of a slice field). It reports whether it found old.
func replaceExpr(parent ast.Node, old, repl ast.Expr) bool {
	v := reflect.ValueOf(parent).Elem()
	nv := reflect.ValueOf(repl)
	set := func(f reflect.Value) bool {
		if f.Kind() == reflect.Interface && !f.IsNil() && f.Interface() == ast.Node(old) && nv.Type().AssignableTo(f.Type()) {
			f.Set(nv)
			return true
		}
		return false
	}
	for i := range v.NumField() {
		f := v.Field(i)
		if set(f) {
			return true
		}
		if f.Kind() == reflect.Slice {
			for j := range f.Len() {
				if set(f.Index(j)) {
					return true
				}
			}
		}
	}
	return false
}

// render prints a node on one line, spacing collapsed, cut at 120
// characters.
func render(n ast.Node) string {
	var b bytes.Buffer
	printer.Fprint(&b, token.NewFileSet(), n)
	s := strings.Join(strings.Fields(b.String()), " ")
	if r := []rune(s); len(r) > 120 {
		s = string(r[:117]) + "..."
	}
	return s
}

func renderStmts(ss ...ast.Stmt) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = render(s)
	}
	return strings.Join(parts, "; ")
}
