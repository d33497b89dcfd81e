package mutate

import (
	"go/ast"
	"go/token"
	"slices"
	"strconv"
	"strings"
)

// The operators on statement lists: delete one, insert a return, move
// one across a Lock or Unlock, swap two.

func parseInt(lit string) (int64, bool) {
	n, err := strconv.ParseInt(strings.ReplaceAll(lit, "_", ""), 0, 64)
	return n, err == nil
}

func isPlainCall(s ast.Stmt) bool {
	e, ok := s.(*ast.ExprStmt)
	if !ok {
		return false
	}
	call, ok := e.X.(*ast.CallExpr)
	return ok && !isTraceCall(call) && !isLockCall(s) && !isUnlockCall(s)
}

func isSend(s ast.Stmt) bool { _, ok := s.(*ast.SendStmt); return ok }

func isDefer(s ast.Stmt) bool { _, ok := s.(*ast.DeferStmt); return ok }

// isStateWrite: an assignment (not a declaration) to fields, map or
// slice elements or through pointers, or ++/-- of one.
func isStateWrite(s ast.Stmt) bool {
	lhs := func(e ast.Expr) bool {
		switch e.(type) {
		case *ast.SelectorExpr, *ast.IndexExpr, *ast.StarExpr:
			return true
		}
		return false
	}
	switch s := s.(type) {
	case *ast.AssignStmt:
		return s.Tok != token.DEFINE && !slices.ContainsFunc(s.Lhs, func(e ast.Expr) bool { return !lhs(e) })
	case *ast.IncDecStmt:
		return lhs(s.X)
	}
	return false
}

// lockNames and unlockNames are the calls that open and close a
// critical section: sync's, and the model's wrappers (lockRequest).
func isLockCall(s ast.Stmt) bool {
	return callNamed(s, func(n string) bool { return n == "Lock" || n == "RLock" || strings.HasPrefix(n, "lock") })
}

func isUnlockCall(s ast.Stmt) bool {
	return callNamed(s, func(n string) bool { return n == "Unlock" || n == "RUnlock" || strings.HasPrefix(n, "unlock") })
}

func callNamed(s ast.Stmt, match func(string) bool) bool {
	e, ok := s.(*ast.ExprStmt)
	if !ok {
		return false
	}
	call, ok := e.X.(*ast.CallExpr)
	return ok && len(call.Args) == 0 && match(calleeName(call))
}

func isDeferUnlock(s ast.Stmt) bool {
	d, ok := s.(*ast.DeferStmt)
	return ok && isUnlockCall(&ast.ExprStmt{X: d.Call})
}

// movable: a statement an operator may move or swap. Declarations,
// jumps, locks and trace calls stay where they are (moving them would
// not compile, or would be another operator's mutant, or nothing).
func movable(s ast.Stmt) bool {
	switch s := s.(type) {
	case *ast.DeclStmt, *ast.ReturnStmt, *ast.BranchStmt, *ast.LabeledStmt, *ast.EmptyStmt:
		return false
	case *ast.AssignStmt:
		return s.Tok != token.DEFINE
	case *ast.ExprStmt:
		return !isTraceCall(s.X) && !isLockCall(s) && !isUnlockCall(s)
	case *ast.IfStmt:
		return !isObservation(s)
	case *ast.DeferStmt:
		return !isDeferUnlock(s)
	}
	return true
}

func findDelete(match func(ast.Stmt) bool) func([]visit) []site {
	return func(vs []visit) []site {
		var out []site
		for _, l := range stmtLists(vs) {
			for i, s := range *l.list {
				if !match(s) {
					continue
				}
				out = append(out, site{fn: l.v.fn, pos: s.Pos(),
					before: func() string { return render(s) },
					apply: func() string {
						*l.list = slices.Delete(*l.list, i, i+1)
						return "(deleted)"
					}})
			}
		}
		return out
	}
}

func findReturnEarly(vs []visit) []site {
	var out []site
	for _, l := range stmtLists(vs) {
		if len(*l.list) == 0 {
			continue
		}
		if _, ok := (*l.list)[0].(*ast.ReturnStmt); ok {
			continue
		}
		first := (*l.list)[0]
		ft := l.v.funcType()
		if returnsAnyway(*l.list, &ast.ReturnStmt{Results: zeroValues(ft)}) {
			continue
		}
		out = append(out, site{fn: l.v.fn, pos: first.Pos(),
			before: func() string { return render(first) },
			apply: func() string {
				ret := &ast.ReturnStmt{Results: zeroValues(ft)}
				*l.list = slices.Insert(*l.list, 0, ast.Stmt(ret))
				return renderStmts(ret, first)
			}})
	}
	return out
}

// returnsAnyway reports whether a list only traces before returning
// what ret returns: returning first would be the same program.
func returnsAnyway(list []ast.Stmt, ret *ast.ReturnStmt) bool {
	for _, s := range list {
		if isObservationStmt(s) {
			continue
		}
		r, ok := s.(*ast.ReturnStmt)
		return ok && render(r) == render(ret)
	}
	return false
}

// zeroValues returns the zero value of each result of a function type;
// none for named results (a bare return).
func zeroValues(ft *ast.FuncType) []ast.Expr {
	if ft.Results == nil {
		return nil
	}
	var out []ast.Expr
	for _, f := range ft.Results.List {
		if len(f.Names) > 0 {
			return nil
		}
		out = append(out, zeroOf(f.Type))
	}
	return out
}

func zeroOf(t ast.Expr) ast.Expr {
	switch t := t.(type) {
	case *ast.Ident:
		switch t.Name {
		case "bool":
			return ast.NewIdent("false")
		case "string":
			return &ast.BasicLit{Kind: token.STRING, Value: `""`}
		case "error", "any":
			return ast.NewIdent("nil")
		case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64",
			"uintptr", "byte", "rune", "float32", "float64":
			return &ast.BasicLit{Kind: token.INT, Value: "0"}
		}
	case *ast.StarExpr, *ast.MapType, *ast.ChanType, *ast.FuncType, *ast.InterfaceType:
		return ast.NewIdent("nil")
	case *ast.ArrayType:
		if t.Len == nil {
			return ast.NewIdent("nil")
		}
	}
	// Any other type, named or not: *new(T) is its zero value.
	return &ast.StarExpr{X: &ast.CallExpr{Fun: ast.NewIdent("new"), Args: []ast.Expr{t}}}
}

// moveSite moves the statement at from to index to (after removal).
func moveSite(l stmtList, from, to int) site {
	s := (*l.list)[from]
	lo, hi := min(from, to), max(from, to)
	return site{fn: l.v.fn, pos: s.Pos(),
		before: func() string { return renderStmts((*l.list)[lo : hi+1]...) },
		apply: func() string {
			*l.list = slices.Delete(*l.list, from, from+1)
			*l.list = slices.Insert(*l.list, to, s)
			return renderStmts((*l.list)[lo : hi+1]...)
		}}
}

func findLockLate(vs []visit) []site {
	var out []site
	for _, l := range stmtLists(vs) {
		list := *l.list
		for i, s := range list {
			if !isLockCall(s) {
				continue
			}
			j := i + 1
			if j < len(list) && isDeferUnlock(list[j]) {
				j++
			}
			if j < len(list) && movable(list[j]) {
				out = append(out, moveSite(l, j, i))
			}
		}
	}
	return out
}

func findUnlockEarly(vs []visit) []site {
	var out []site
	for _, l := range stmtLists(vs) {
		list := *l.list
		for i, s := range list {
			if isUnlockCall(s) && i > 0 && movable(list[i-1]) {
				out = append(out, moveSite(l, i-1, i))
			}
		}
	}
	return out
}

func findSwap(vs []visit) []site {
	var out []site
	for _, l := range stmtLists(vs) {
		list := *l.list
		for i := 0; i+1 < len(list); i++ {
			if movable(list[i]) && movable(list[i+1]) && !independent(list[i], list[i+1]) {
				out = append(out, moveSite(l, i, i+1))
			}
		}
	}
	return out
}

// independent reports whether two adjacent statements can be swapped
// without any run telling: both are plain assignments (or x++, x--) with no call, no
// channel operation and no function literal (so no scheduling point lies
// between them, and under the simulator's one-task-at-a-time scheduler
// no other task can see the state between them), and neither writes
// anything the other reads or writes. Such a swap is equivalent by
// construction, so swap-stmts does not make it. Names are compared by
// their printed roots: x.a and x.b are independent, x and x.a are not;
// two different names for one object (an alias) are not seen, which the
// model's code, with one name per object in a function, does not have.
func independent(a, b ast.Stmt) bool {
	wa, ra, okA := assignAccess(a)
	wb, rb, okB := assignAccess(b)
	if !okA || !okB {
		return false
	}
	for _, w := range wa {
		for _, x := range append(append([]string(nil), wb...), rb...) {
			if overlaps(w, x) {
				return false
			}
		}
	}
	for _, w := range wb {
		for _, x := range ra {
			if overlaps(w, x) {
				return false
			}
		}
	}
	return true
}

// assignAccess returns what a plain assignment writes and reads, printed;
// ok is false for anything else, or an assignment that calls, receives
// or declares a function.
func assignAccess(s ast.Stmt) (writes, reads []string, ok bool) {
	if inc, isInc := s.(*ast.IncDecStmt); isInc { // x++ is x += 1
		s = &ast.AssignStmt{Lhs: []ast.Expr{inc.X}, Tok: token.ADD_ASSIGN, Rhs: []ast.Expr{&ast.BasicLit{Kind: token.INT, Value: "1"}}}
	}
	as, isAssign := s.(*ast.AssignStmt)
	if !isAssign || as.Tok == token.DEFINE {
		return nil, nil, false
	}
	ok = true
	ast.Inspect(as, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr, *ast.FuncLit:
			ok = false
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				ok = false
			}
		}
		return ok
	})
	for _, l := range as.Lhs {
		writes = append(writes, render(l))
	}
	if as.Tok != token.ASSIGN { // x += v reads x too
		reads = append(reads, writes...)
	}
	for _, r := range as.Rhs {
		ast.Inspect(r, func(n ast.Node) bool {
			switch n.(type) {
			case *ast.Ident, *ast.SelectorExpr, *ast.IndexExpr, *ast.StarExpr:
				reads = append(reads, render(n.(ast.Expr)))
				return false
			}
			return true
		})
	}
	for _, l := range as.Lhs { // an index or a pointer on the left reads too
		if ix, isIndex := l.(*ast.IndexExpr); isIndex {
			reads = append(reads, render(ix.Index))
		}
	}
	return writes, reads, ok
}

// overlaps reports whether two printed accesses may touch the same
// memory: one is the other, or a field or element of it. A write through
// a slice or map element (x[i]) is taken to touch all of x.
func overlaps(a, b string) bool {
	root := func(s string) string {
		if i := strings.IndexByte(s, '['); i >= 0 {
			return s[:i]
		}
		return s
	}
	a, b = root(strings.TrimPrefix(a, "*")), root(strings.TrimPrefix(b, "*"))
	prefix := func(p, s string) bool {
		return s == p || strings.HasPrefix(s, p+".")
	}
	return prefix(a, b) || prefix(b, a)
}
