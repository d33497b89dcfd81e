package dst

import (
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Binary is a built test binary of a workloads package.
type Binary struct {
	// Path is the binary, named by its version in the cache directory.
	Path string
	// Version is the sha256 of the binary, hex: two builds of the same
	// sources with the same toolchain have the same version (the build
	// uses -trimpath, so not even the checkout's path enters it).
	Version string
	// Go is the toolchain version that built it.
	Go string
	// Pkg is the package as given ("./workloads"); Dir is its directory,
	// where the binary runs, as go test runs it.
	Pkg, Dir string
}

// Build compiles pkg's test binary with go test -c into cacheDir (the
// user cache directory when empty) and returns it. The go command's own
// build cache makes a rebuild of unchanged sources take about a second.
// The binary is written under a temporary name and renamed to its
// content-addressed name, so several dst processes (shards side by side)
// may build at once.
func Build(pkg, cacheDir string, log io.Writer) (*Binary, error) {
	return BuildOverlay(pkg, cacheDir, "", log)
}

// BuildOverlay is Build with go build's -overlay file, which replaces
// source files by others without touching the tree (dst mutate builds
// each mutant so); "" is none.
func BuildOverlay(pkg, cacheDir, overlay string, log io.Writer) (*Binary, error) {
	return buildWith(pkg, cacheDir, overlay, nil, log)
}

// buildWith is BuildOverlay with more flags for go test -c (dst mutate's
// coverage build adds -cover -coverpkg).
func buildWith(pkg, cacheDir, overlay string, flags []string, log io.Writer) (*Binary, error) {
	key := pkg + "\x00" + cacheDir + "\x00" + overlay + "\x00" + strings.Join(flags, " ")
	if b, ok := built.Load(key); ok {
		return b.(*Binary), nil
	}
	b, err := build(pkg, cacheDir, overlay, flags, log)
	if err == nil {
		built.Store(key, b)
	}
	return b, err
}

// built remembers the builds of this process: a dst command builds once,
// and tests that run many commands in one process need not relink.
var built sync.Map

func build(pkg, cacheDir, overlay string, flags []string, log io.Writer) (*Binary, error) {
	if cacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		cacheDir = filepath.Join(base, "cdcsim-dst")
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, err
	}
	dir, err := packageDir(pkg)
	if err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(cacheDir, "build-*.test")
	if err != nil {
		return nil, err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	// On a cold cache the build takes over a minute: say so first.
	fmt.Fprintf(log, "dst: building the workloads' test binary (go test -c %s)...\n", pkg)
	began := time.Now()
	args := []string{"test", "-c", "-trimpath", "-o", tmp.Name()}
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	args = append(args, flags...)
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go test -c %s: %v\n%s", pkg, err, out)
	}
	if info, err := os.Stat(tmp.Name()); err == nil && info.Size() == 0 {
		// go test -c writes nothing, and succeeds, for a package
		// without test files.
		return nil, usagef("package %s has no test files, so no workloads: --pkg names the package whose tests call sim.Test (default %s)", pkg, DefaultPkg)
	}
	version, err := fileSHA256(tmp.Name())
	if err != nil {
		return nil, err
	}
	info, err := buildinfo.ReadFile(tmp.Name())
	if err != nil {
		return nil, fmt.Errorf("reading the build info of %s: %v", pkg, err)
	}
	base := strings.NewReplacer("/", "_", ".", "_").Replace(strings.Trim(pkg, "./"))
	if len(flags) > 0 {
		base += "-cover" // a build with other flags is another binary: keep both
	}
	name := base + "-" + version[:16] + ".test"
	path := filepath.Join(cacheDir, name)
	if err := os.Rename(tmp.Name(), path); err != nil {
		return nil, err
	}
	prune(cacheDir, strings.TrimSuffix(name, version[:16]+".test"), path)
	fmt.Fprintf(log, "dst: built %s (version %s, %s) in %v\n", pkg, version[:16], info.GoVersion, time.Since(began).Round(100*time.Millisecond))
	return &Binary{Path: path, Version: version, Go: info.GoVersion, Pkg: pkg, Dir: dir}, nil
}

// prune removes the package's binaries of other versions that were not
// built for a day, so the cache holds about one binary per package and
// live checkout; a sweep still running one of them has it open, which on
// Unix keeps it alive.
func prune(dir, prefix, keep string) {
	old, _ := filepath.Glob(filepath.Join(dir, prefix+"*.test"))
	for _, p := range old {
		if info, err := os.Stat(p); err == nil && p != keep && time.Since(info.ModTime()) > 24*time.Hour {
			os.Remove(p)
		}
	}
}

// packageDir returns the directory of a package pattern such as
// ./workloads.
func packageDir(pkg string) (string, error) {
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}", pkg).Output()
	if err != nil {
		var stderr string
		if e, ok := err.(*exec.ExitError); ok {
			stderr = strings.TrimSpace(string(e.Stderr))
		}
		return "", usagef("package %s: %s", pkg, firstNonEmpty(stderr, err.Error()))
	}
	return strings.TrimSpace(string(out)), nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
