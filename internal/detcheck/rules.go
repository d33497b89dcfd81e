package detcheck

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

// The rule names. They appear in reports and in allow comments, so
// renaming one breaks every allow comment that names it.
const (
	ruleGo           = "go-statement"
	ruleWallClock    = "wall-clock"
	ruleGlobalRand   = "global-rand"
	ruleCryptoRand   = "crypto-rand"
	ruleSync         = "sync-primitive"
	ruleSelect       = "select"
	ruleMapRange     = "map-range"
	rulePackageState = "package-state"

	ruleTypecheck    = "typecheck"
	ruleAllowReason  = "allow-without-reason"
	ruleAllowUnknown = "allow-unknown-rule"
)

// allowableRules are the rules an allow comment may name. The others
// report problems with the input or with allow comments themselves, which
// an allow comment cannot sensibly excuse.
var allowableRules = []string{
	ruleGo, ruleWallClock, ruleGlobalRand, ruleCryptoRand,
	ruleSync, ruleSelect, ruleMapRange, rulePackageState,
}

// wallClockFuncs are the functions of package time that read the wall
// clock or block on it.
var wallClockFuncs = map[string]bool{
	"Now": true, "Since": true, "Until": true, "Sleep": true, "After": true,
	"AfterFunc": true, "NewTimer": true, "NewTicker": true, "Tick": true,
}

// randConstructors are the package-level functions of math/rand and
// math/rand/v2 that build a seeded generator rather than draw from the
// global one. Every other package-level function there draws from it.
var randConstructors = map[string]bool{
	"New": true, "NewPCG": true, "NewSource": true, "NewZipf": true, "NewChaCha8": true,
}

// syncTypes are the types of package sync that block outside the
// simulator's scheduler.
var syncTypes = map[string]bool{
	"Mutex": true, "RWMutex": true, "WaitGroup": true, "Cond": true, "Once": true,
}

// mapIterators are the functions of package maps that yield in map order.
var mapIterators = map[string]bool{"All": true, "Keys": true, "Values": true}

// walker finds the violations in one file. It reports everything; allow
// comments are applied afterwards, by the caller.
type walker struct {
	fset *token.FileSet
	info *types.Info
	out  []Violation
	// qualified holds the Sel of every selector already judged, so that
	// the walk does not judge it again when it reaches the bare
	// identifier.
	qualified map[*ast.Ident]bool
}

// findViolations returns every violation in f, allowed or not.
func findViolations(fset *token.FileSet, info *types.Info, f *ast.File) []Violation {
	w := &walker{fset: fset, info: info, qualified: make(map[*ast.Ident]bool)}
	ast.Inspect(f, w.visit)
	w.checkPackageVars(f)
	return w.out
}

func (w *walker) report(pos token.Pos, rule, format string, args ...any) {
	w.out = append(w.out, Violation{Pos: w.fset.Position(pos), Rule: rule, Message: fmt.Sprintf(format, args...), at: pos})
}

func (w *walker) visit(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.GoStmt:
		w.report(n.Pos(), ruleGo, "go statement starts a goroutine the simulator cannot schedule; start a task with the runtime's Go")
	case *ast.SelectStmt:
		if k := len(n.Body.List); k > 1 {
			w.report(n.Pos(), ruleSelect, "select with %d cases lets Go pick among ready cases at random; use clock.Select", k)
		}
	case *ast.RangeStmt:
		w.checkRange(n)
	case *ast.ImportSpec:
		if path, err := strconv.Unquote(n.Path.Value); err == nil && path == "crypto/rand" {
			w.report(n.Pos(), ruleCryptoRand, "crypto/rand is unreproducible by design; draw from the runtime's seeded streams")
		}
	case *ast.SelectorExpr:
		// Report at the start of "time.Now", not at "Now".
		w.qualified[n.Sel] = true
		w.checkUse(n.Sel, n.Pos())
	case *ast.Ident:
		// A bare identifier can still name time.Now through a dot import.
		if !w.qualified[n] {
			w.checkUse(n, n.Pos())
		}
	}
	return true
}

// checkUse reports id if it refers to a banned function or type of the
// standard library. Objects are resolved by type information, so the name
// a package is imported under does not matter, and methods (t.After on a
// time.Time, r.IntN on a *rand.Rand) are never mistaken for functions.
func (w *walker) checkUse(id *ast.Ident, pos token.Pos) {
	obj := w.info.Uses[id]
	if obj == nil || obj.Pkg() == nil {
		return
	}
	path, name := obj.Pkg().Path(), obj.Name()
	switch obj := obj.(type) {
	case *types.Func:
		if obj.Signature().Recv() != nil {
			return
		}
		switch {
		case path == "time" && wallClockFuncs[name]:
			w.report(pos, ruleWallClock, "time.%s uses the wall clock; use the runtime's clock", name)
		case (path == "math/rand" || path == "math/rand/v2") && !randConstructors[name]:
			w.report(pos, ruleGlobalRand, "rand.%s draws from the process-wide source; draw from a stream the runtime hands out (Rand(label))", name)
		}
	case *types.TypeName:
		if path == "sync" && syncTypes[name] {
			w.report(pos, ruleSync, "sync.%s blocks outside the simulator's scheduler; use the clock package's primitives", name)
		}
	}
}

// checkRange reports a range whose order is the runtime's map order.
func (w *walker) checkRange(n *ast.RangeStmt) {
	if t := w.info.TypeOf(n.X); t != nil && isMap(t) {
		w.report(n.For, ruleMapRange, "range over %s visits keys in random order; sort the keys or keep a slice", t)
		return
	}
	call, ok := ast.Unparen(n.X).(*ast.CallExpr)
	if !ok {
		return
	}
	if fn := w.callee(call); fn != nil && fn.Pkg() != nil && fn.Pkg().Path() == "maps" && mapIterators[fn.Name()] {
		w.report(n.For, ruleMapRange, "range over maps.%s visits keys in random order; range over slices.Sorted(maps.Keys(m)) instead", fn.Name())
	}
}

// isMap reports whether t is a map, or a type parameter whose constraint
// admits only maps (for example ~map[K]V): ranging over either visits
// entries in map order.
func isMap(t types.Type) bool {
	if tp, ok := types.Unalias(t).(*types.TypeParam); ok {
		return onlyMaps(tp.Constraint())
	}
	_, ok := t.Underlying().(*types.Map)
	return ok
}

// onlyMaps reports whether every type in the type set of the constraint c
// is a map. A constraint's type set is the intersection of its embedded
// elements, so one element made only of maps is enough.
func onlyMaps(c types.Type) bool {
	iface, ok := c.Underlying().(*types.Interface)
	if !ok {
		_, ok := c.Underlying().(*types.Map)
		return ok
	}
	for i := range iface.NumEmbeddeds() {
		e := iface.EmbeddedType(i)
		u, ok := e.(*types.Union)
		if !ok {
			if onlyMaps(e) {
				return true
			}
			continue
		}
		all := u.Len() > 0
		for j := range u.Len() {
			all = all && onlyMaps(u.Term(j).Type())
		}
		if all {
			return true
		}
	}
	return false
}

// callee returns the function a call calls by name (f(x) or pkg.F(x)), or
// nil when it calls something else, such as a method or a func value.
func (w *walker) callee(call *ast.CallExpr) *types.Func {
	var id *ast.Ident
	switch fun := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		id = fun
	case *ast.SelectorExpr:
		id = fun.Sel
	case *ast.IndexExpr: // an explicit instantiation, f[T](x)
		return w.callee(&ast.CallExpr{Fun: fun.X})
	default:
		return nil
	}
	fn, _ := w.info.Uses[id].(*types.Func)
	return fn
}

// checkPackageVars reports package-level vars: state that outlives a run.
func (w *walker) checkPackageVars(f *ast.File) {
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if name.Name == "_" || w.isSentinelError(vs, i) {
					continue
				}
				w.report(name.Pos(), rulePackageState, "package-level var %s outlives the run and is shared by every run in the process; keep it in a value the run owns", name.Name)
			}
		}
	}
}

// isSentinelError reports whether the i-th name of vs is a sentinel error:
// named err... or Err... and initialised with errors.New or fmt.Errorf.
// Such a value is compared, never mutated, by convention.
func (w *walker) isSentinelError(vs *ast.ValueSpec, i int) bool {
	name := vs.Names[i].Name
	if !strings.HasPrefix(name, "err") && !strings.HasPrefix(name, "Err") {
		return false
	}
	if len(vs.Values) != len(vs.Names) {
		return false
	}
	call, ok := ast.Unparen(vs.Values[i]).(*ast.CallExpr)
	if !ok {
		return false
	}
	fn := w.callee(call)
	if fn == nil || fn.Pkg() == nil {
		return false
	}
	path := fn.Pkg().Path()
	return path == "errors" && fn.Name() == "New" || path == "fmt" && fn.Name() == "Errorf"
}
