package docs

import (
	"path/filepath"
	"strings"
	"testing"
)

// goBlocks returns the ```go fenced blocks of a markdown document, each
// as its lines, with the line number of its fence.
func goBlocks(text string) (blocks [][]string, at []int) {
	var cur []string
	in := false
	for i, l := range strings.Split(text, "\n") {
		switch {
		case !in && strings.TrimSpace(l) == "```go":
			in, cur = true, nil
			at = append(at, i+1)
		case in && strings.TrimSpace(l) == "```":
			in = false
			blocks = append(blocks, cur)
		case in:
			cur = append(cur, l)
		}
	}
	return blocks, at
}

// codeLines are a snippet's or a file's lines without indentation,
// blank lines and whole-line comments: what must match between them.
func codeLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "//") {
			out = append(out, l)
		}
	}
	return out
}

// isSubsequence reports whether every line of sub appears in lines, in
// order (a snippet may leave out what lies between its functions).
func isSubsequence(sub, lines []string) bool {
	i := 0
	for _, l := range lines {
		if i < len(sub) && l == sub[i] {
			i++
		}
	}
	return i == len(sub)
}

// TestReadmeGoSnippetsAreCode: every ```go block of the README is taken
// from a .go file of the repository (its lines, in order), so each one
// compiles and runs with go test; the README says which file.
func TestReadmeGoSnippetsAreCode(t *testing.T) {
	root := repoRoot(t)
	var sources []string
	var names []string
	for _, f := range repoFiles(t, root, ".go") {
		sources = append(sources, readFile(t, filepath.Join(root, f)))
		names = append(names, f)
	}
	readme := readFile(t, filepath.Join(root, "README.md"))
	blocks, at := goBlocks(readme)
	if len(blocks) == 0 {
		t.Fatal("no go block in README.md: the parser is broken")
	}
	for i, b := range blocks {
		want := codeLines(b)
		found := ""
		for j, src := range sources {
			if isSubsequence(want, codeLines(strings.Split(src, "\n"))) {
				found = names[j]
				break
			}
		}
		if found == "" {
			t.Errorf("README.md:%d: this go block is in no .go file of the repository: copy it from the file it shows", at[i])
			continue
		}
		if !strings.Contains(readme, "`"+found+"`") {
			t.Errorf("README.md:%d: the block is from %s, which the README does not name", at[i], found)
		}
		t.Logf("README.md:%d: %s", at[i], found)
	}
}
