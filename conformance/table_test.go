package conformance

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// component is one modelled component: the packages its ported cases
// live in (TiCDC's eventcollector is the model's collector and session;
// the dispatcher manager's merge is package cluster's Merge) and where
// TiCDC's cases live at b813e76f9.
type component struct {
	name     string
	dirs     []string
	ticdcDir string
}

var components = []component{ //dst:allow package-state: a read-only table
	{"collector", []string{"collector", "session"}, "downstreamadapter/eventcollector/"},
	{"event service", []string{"eventservice"}, "pkg/eventservice/"},
	{"log coordinator", []string{"coordinator"}, "logservice/coordinator/"},
	{"dispatcher manager (merge)", []string{"cluster"}, "downstreamadapter/dispatchermanager/"},
}

// portedCase is one TestTiCDC function found in a conformance file.
type portedCase struct {
	component, file, name string
	skipped               bool
	reason                string
}

// Status words of the table's case rows.
const (
	statusPasses    = "passes"
	statusSkipped   = "skipped"
	statusNotPorted = "not ported yet"
)

var citation = regexp.MustCompile(`^TiCDC: (\S+) (Test\w+)\.`)

// parsePorted reads every TestTiCDC function of a component's
// conformance files.
func parsePorted(t *testing.T, c component) []portedCase {
	var files []string
	for _, dir := range c.dirs {
		found, err := filepath.Glob(filepath.Join("..", dir, "ticdc_conformance*_test.go"))
		require.NoError(t, err)
		require.NotEmpty(t, found, "%s has no conformance file", dir)
		files = append(files, found...)
	}
	var out []portedCase
	for _, path := range files {
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments)
		require.NoError(t, err)
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || !strings.HasPrefix(fd.Name.Name, "TestTiCDC") {
				continue
			}
			out = append(out, parseCase(t, c, path, fd))
		}
	}
	return out
}

// parseCase checks one ported test's name and citation and reads its
// skip, if it starts with one.
func parseCase(t *testing.T, c component, path string, fd *ast.FuncDecl) portedCase {
	doc := strings.Join(strings.Fields(fd.Doc.Text()), " ")
	m := citation.FindStringSubmatch(doc)
	require.NotNil(t, m, "%s %s: the doc comment must open with \"TiCDC: <file> <test>.\"", path, fd.Name.Name)
	require.True(t, strings.HasPrefix(m[1], c.ticdcDir), "%s %s cites %s, outside %s", path, fd.Name.Name, m[1], c.ticdcDir)
	require.Equal(t, "TestTiCDC"+strings.TrimPrefix(m[2], "Test"), fd.Name.Name, "%s: the name follows the TiCDC case", path)
	pc := portedCase{component: c.name, file: strings.TrimPrefix(m[1], c.ticdcDir), name: m[2]}
	if len(fd.Body.List) > 0 {
		pc.reason, pc.skipped = skipReason(fd.Body.List[0])
	}
	return pc
}

// skipReason reports whether stmt is t.Skip("reason"), and the reason.
func skipReason(stmt ast.Stmt) (string, bool) {
	es, ok := stmt.(*ast.ExprStmt)
	if !ok {
		return "", false
	}
	call, ok := es.X.(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return "", false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Skip" {
		return "", false
	}
	lit, ok := call.Args[0].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	reason, err := strconv.Unquote(lit.Value)
	return reason, err == nil
}

// tableRow is one row of a markdown table, its cells trimmed.
func tableRows(doc, heading string) [][]string {
	_, after, found := strings.Cut(doc, "\n"+heading+"\n")
	if !found {
		return nil
	}
	if end := strings.Index(after, "\n## "); end >= 0 {
		after = after[:end]
	}
	var rows [][]string
	for _, line := range strings.Split(after, "\n") {
		if !strings.HasPrefix(line, "|") || strings.HasPrefix(line, "|---") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows = append(rows, cells)
	}
	if len(rows) > 0 {
		rows = rows[1:] // the header
	}
	return rows
}

// TestConformanceTableMatchesTheTests: docs/conformance.md lists every
// ported case exactly as the test files have it (status and skip
// reason), and its summary counts are the case rows' counts.
func TestConformanceTableMatchesTheTests(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "docs", "conformance.md"))
	require.NoError(t, err)
	doc := string(raw)

	want := map[string]string{} // "component|file|name" -> "status|reason"
	for _, c := range components {
		for _, pc := range parsePorted(t, c) {
			key := pc.component + "|" + pc.file + "|" + pc.name
			require.NotContains(t, want, key, "%s is ported twice", key)
			status := statusPasses
			if pc.skipped {
				status = statusSkipped
			}
			want[key] = status + "|" + pc.reason
		}
	}

	counts := map[string]map[string]int{}
	for _, row := range tableRows(doc, "## Cases") {
		require.Len(t, row, 5, "case row %q: component | file | test | status | reason", row)
		key := row[0] + "|" + row[1] + "|" + row[2]
		if counts[row[0]] == nil {
			counts[row[0]] = map[string]int{}
		}
		counts[row[0]][row[3]]++
		counts[row[0]]["cases"]++
		got := row[3] + "|" + row[4]
		if row[3] == statusNotPorted {
			require.NotContains(t, want, key, "%s is ported; its row still says not ported yet", key)
			continue
		}
		require.Contains(t, want, key, "%s: the table says %s, but there is no TestTiCDC test citing it", key, row[3])
		require.Equal(t, want[key], got, "%s: the table's status and reason differ from the test's", key)
		delete(want, key)
	}
	require.Empty(t, want, "ported cases missing from docs/conformance.md's case rows")

	summary := tableRows(doc, "## Summary")
	require.Len(t, summary, len(components), "one summary row per component")
	for i, c := range components {
		row := summary[i]
		require.Len(t, row, 6, "summary row %q: component | TiCDC cases | ported | passing | skipped | not ported yet", row)
		n := counts[c.name]
		wantRow := []string{c.name, fmt.Sprint(n["cases"]), fmt.Sprint(n[statusPasses] + n[statusSkipped]),
			fmt.Sprint(n[statusPasses]), fmt.Sprint(n[statusSkipped]), fmt.Sprint(n[statusNotPorted])}
		require.Equal(t, wantRow, row, "summary of %s", c.name)
	}
}
