package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// repoRoot is the module root: the parent of this package's directory,
// where go test runs it. It must hold go.mod, so a move of this package
// fails loudly instead of walking the wrong tree.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root %s has no go.mod: %v", root, err)
	}
	return root
}

// repoFiles lists the module's files whose name ends with one of exts,
// relative to root, in lexical order. Hidden directories (.git, .github's
// workflows are not prose) and testdata (fixtures, some of them wrong on
// purpose) are left out, and so is out/, where sweeps write reports.
func repoFiles(t *testing.T, root string, exts ...string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "out") {
				return filepath.SkipDir
			}
			return nil
		}
		for _, ext := range exts {
			if strings.HasSuffix(name, ext) {
				rel, err := filepath.Rel(root, path)
				if err != nil {
					return err
				}
				files = append(files, filepath.ToSlash(rel))
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no %v files under %s", exts, root)
	}
	return files
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// heading is one markdown heading outside a fenced code block.
type heading struct {
	level int    // number of #
	text  string // the title, without the #s
	line  int    // index of its line in the document
}

var headingRE = regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*#*\s*$`)

// headings lists a markdown document's headings in order, skipping fenced
// code blocks, where a "#" line is a shell comment.
func headings(lines []string) []heading {
	var hs []heading
	fenced := false
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			fenced = !fenced
			continue
		}
		if fenced {
			continue
		}
		if m := headingRE.FindStringSubmatch(l); m != nil {
			hs = append(hs, heading{level: len(m[1]), text: m[2], line: i})
		}
	}
	return hs
}
