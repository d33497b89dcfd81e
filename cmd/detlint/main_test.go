package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// buildDetlint builds this command into a temporary directory, as
// make detlint builds it into bin/.
func buildDetlint(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "detlint")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// vet runs go vet -vettool=bin ./... in dir and returns its combined
// output and exit status.
func vet(t *testing.T, bin, dir string) (string, int) {
	t.Helper()
	cmd := exec.Command("go", "vet", "-vettool="+bin, "./...")
	cmd.Dir = dir
	// The planted module has no dependencies; nothing may be fetched.
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOWORK=off")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return out.String(), exit.ExitCode()
	}
	require.NoError(t, err)
	return out.String(), 0
}

// diagnostic matches one detlint finding in go vet's output.
var diagnostic = regexp.MustCompile(`(?m)^(?:\./)?(\S+\.go):(\d+):\d+: ([a-z-]+): `)

// findings renders the detlint findings in out as "file:line: rule".
func findings(out string) []string {
	var got []string
	for _, m := range diagnostic.FindAllStringSubmatch(out, -1) {
		got = append(got, m[1]+":"+m[2]+": "+m[3])
	}
	slices.Sort(got)
	return got
}

// bad marks a planted violation: "// bad: <rule>" at the end of its line.
var bad = regexp.MustCompile(`// bad: ([a-z-]+)$`)

// planted lists the violations the planted module's source marks with
// "// bad: <rule>", as "file:line: rule", so the source is the one place
// that says what must be found.
func planted(t *testing.T, root string) []string {
	t.Helper()
	var want []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		for i, line := range strings.Split(string(src), "\n") {
			if m := bad.FindStringSubmatch(line); m != nil {
				want = append(want, filepath.ToSlash(rel)+":"+strconv.Itoa(i+1)+": "+m[1])
			}
		}
		return nil
	})
	require.NoError(t, err)
	slices.Sort(want)
	return want
}

// The vet tool run on a planted module outside the model (someone's own
// code, importing nothing of cdcsim) fails, reporting exactly the marked
// violations: those in the marked package and in its marked test file,
// none on the allowed line, none in the unmarked command.
func TestVetFailsOnPlantedPackage(t *testing.T) {
	bin := buildDetlint(t)
	dir := filepath.Join("testdata", "planted")
	want := planted(t, dir)
	require.Len(t, want, 7, "the planted module marks seven violations")
	out, code := vet(t, bin, dir)
	t.Logf("go vet output:\n%s", out)
	require.Equal(t, 1, code, "go vet must fail on the planted module")
	require.Equal(t, want, findings(out))
}

// The vet tool run on this repository passes: every file a dst:simulated
// directive marks (the model packages, the workloads and their test
// files) follows the rules or carries a reviewed allow comment.
func TestVetPassesOnRepository(t *testing.T) {
	bin := buildDetlint(t)
	out, code := vet(t, bin, filepath.Join("..", ".."))
	require.Equal(t, 0, code, "go vet -vettool=detlint ./... on the repository:\n%s", out)
	require.Empty(t, findings(out))
}
