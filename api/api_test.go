package api_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// checkScript runs api/check.sh from the module root with an optional
// build overlay (go help buildflags, -overlay) that replaces or adds
// files of the packages it loads, and returns its output and exit code.
func checkScript(t *testing.T, overlay map[string]string) (string, int) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", filepath.Join(root, "api", "check.sh"))
	cmd.Dir = root
	cmd.Env = os.Environ()
	if overlay != nil {
		dir := t.TempDir()
		replace := map[string]string{}
		for name, text := range overlay {
			file := filepath.Join(dir, strings.ReplaceAll(name, "/", "_"))
			if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			replace[filepath.Join(root, name)] = file
		}
		data, _ := json.Marshal(map[string]any{"Replace": replace})
		ov := filepath.Join(dir, "overlay.json")
		if err := os.WriteFile(ov, data, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd.Env = append(cmd.Env, "GOFLAGS="+os.Getenv("GOFLAGS")+" -overlay="+ov)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("api/check.sh: %v", err)
		}
		code = ee.ExitCode()
	}
	return out.String(), code
}

// withoutNewWaitGroup is clock/waitgroup.go with the exported
// constructor renamed out of the API, as a careless refactoring would.
func withoutNewWaitGroup(t *testing.T) string {
	src, err := os.ReadFile("../clock/waitgroup.go")
	if err != nil {
		t.Fatal(err)
	}
	const decl = "func NewWaitGroup("
	if !bytes.Contains(src, []byte(decl)) {
		t.Fatalf("clock/waitgroup.go no longer declares %s...): pick another exported function for this test", decl)
	}
	return strings.Replace(string(src), decl, "func newWaitGroupGone(", 1)
}

const added = "package clock\n\n// AddedForTheAPITest is new API.\nfunc AddedForTheAPITest() {}\n"

func TestTheTreeIsCompatibleWithTheSnapshot(t *testing.T) {
	out, code := checkScript(t, nil)
	if code != 0 || !strings.Contains(out, "compatible with "+version(t)) {
		t.Fatalf("api/check.sh on the tree: exit %d\n%s", code, out)
	}
}

func TestARemovedFunctionFailsTheCheck(t *testing.T) {
	out, code := checkScript(t, map[string]string{
		"clock/waitgroup.go":    withoutNewWaitGroup(t),
		"clock/zz_api_added.go": added,
	})
	if code != 1 {
		t.Fatalf("api/check.sh with clock.NewWaitGroup removed: exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{"Incompatible changes:", "NewWaitGroup: removed", "AddedForTheAPITest: added", "incompatible with " + version(t)} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestAnAddedFunctionPasses(t *testing.T) {
	out, code := checkScript(t, map[string]string{"clock/zz_api_added.go": added})
	if code != 0 || !strings.Contains(out, "AddedForTheAPITest: added") {
		t.Fatalf("api/check.sh with a function added to clock: exit %d, want 0 and the addition listed\n%s", code, out)
	}
}

// version is api/VERSION, which must name a release tag.
func version(t *testing.T) string {
	data, err := os.ReadFile("VERSION")
	if err != nil {
		t.Fatal(err)
	}
	v := strings.TrimSpace(string(data))
	if !regexp.MustCompile(`^v\d+\.\d+\.\d+$`).MatchString(v) {
		t.Fatalf("api/VERSION is %q, want a release tag such as v0.1.0", v)
	}
	return v
}

func TestEachSnapshotIsItsPackage(t *testing.T) {
	for _, p := range []string{"sim", "clock", "network"} {
		data, err := os.ReadFile(p + ".x")
		if err != nil {
			t.Fatal(err)
		}
		first, _, _ := bytes.Cut(data, []byte("\n"))
		if want := "github.com/cdcsim/cdcsim/" + p; string(first) != want {
			t.Errorf("api/%s.x is the export data of %q, want %q", p, first, want)
		}
		if root, _ := filepath.Abs(".."); bytes.Contains(data, []byte(root+"/")) {
			t.Errorf("api/%s.x names files by a checkout's directory: write it with api/check.sh -w (it sets -trimpath)", p)
		}
	}
}
