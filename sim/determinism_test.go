package sim

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/golden_hashes.txt")

// hashesOf runs busyProgram for seeds 1..n and returns each run's hash.
func hashesOf(t *testing.T, n int) []uint64 {
	t.Helper()
	out := make([]uint64, n)
	for i := range out {
		res := Run(DeriveConfig(uint64(i+1)), busyProgram)
		require.Nil(t, res.Failure, "seed %d: %v", i+1, res.Failure)
		out[i] = res.Hash
	}
	return out
}

func metaSeeds(t *testing.T) int {
	if testing.Short() {
		return 100
	}
	return 1000
}

// Same seed, same hash: every seed of the task-heavy program hashes the
// same twice, under GOMAXPROCS=1 and GOMAXPROCS=2 alike, and distinct
// seeds hash differently. (CI runs this under -race too.)
func TestDeterminismSameSeedSameHash(t *testing.T) {
	n := metaSeeds(t)
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	one := hashesOf(t, n)
	oneAgain := hashesOf(t, n)
	runtime.GOMAXPROCS(2)
	two := hashesOf(t, n)
	require.Equal(t, one, oneAgain, "same seed, same GOMAXPROCS, different hash")
	require.Equal(t, one, two, "GOMAXPROCS changed a hash")

	seen := make(map[uint64]int, n)
	for i, h := range one {
		if j, dup := seen[h]; dup {
			t.Fatalf("seeds %d and %d share hash %016x", j+1, i+1, h)
		}
		seen[h] = i
	}
	t.Logf("%d seeds, each run 3 times (GOMAXPROCS 1, 1, 2): identical per seed, distinct across seeds", n)
}

// The hashes of the first seeds are written down in testdata, so a
// change of machine, OS, architecture, Go version or kernel code that
// changes a schedule is seen. Regenerate with -update after an
// intentional change to the kernel or the program.
func TestDeterminismGoldenHashes(t *testing.T) {
	const n = 20
	path := filepath.Join("testdata", "golden_hashes.txt")
	got := hashesOf(t, n)
	if *updateGolden {
		var b strings.Builder
		b.WriteString("# seed hash of busyProgram; regenerate: go test ./sim -run TestDeterminismGoldenHashes -update\n")
		for i, h := range got {
			fmt.Fprintf(&b, "%d %016x\n", i+1, h)
		}
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	}
	f, err := os.Open(path)
	require.NoError(t, err, "run with -update to create it")
	defer f.Close()
	sc := bufio.NewScanner(f)
	checked := 0
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		var seed int
		var want string
		_, err := fmt.Sscanf(sc.Text(), "%d %s", &seed, &want)
		require.NoError(t, err)
		require.Equal(t, want, fmt.Sprintf("%016x", got[seed-1]), "seed %d", seed)
		checked++
	}
	require.Equal(t, n, checked)
}

// A program that decides by ranging over a map is caught as
// nondeterminism, with the first divergent step and the trace lines of
// both runs around it.
func TestDeterminismMapRangeIsCaught(t *testing.T) {
	caught := 0
	for seed := uint64(1); seed <= 5; seed++ {
		f := CheckDeterminism(DeriveConfig(seed), mapProgram)
		require.NotNil(t, f, "seed %d: map-order program not caught", seed)
		require.Equal(t, KindNondeterminism, f.Kind)
		require.Contains(t, f.Message, "first divergent step")
		require.Contains(t, f.Detail, "run A")
		require.Contains(t, f.Detail, "run B")
		caught++
		t.Logf("seed %d: %s", seed, f.Message)
	}
	require.Equal(t, 5, caught)
	require.Nil(t, CheckDeterminism(DeriveConfig(1), busyProgram), "a deterministic program was flagged")
}

// The first divergent step is exact: two step records that agree up to
// k and differ at k report k; a shorter record diverges where it ends.
func TestFirstDivergence(t *testing.T) {
	s, ok := firstDivergence([]uint64{1, 2, 3, 4}, []uint64{1, 2, 9, 4})
	require.True(t, ok)
	require.EqualValues(t, 2, s)
	s, ok = firstDivergence([]uint64{1, 2}, []uint64{1, 2, 3})
	require.True(t, ok)
	require.EqualValues(t, 2, s)
	_, ok = firstDivergence([]uint64{1, 2}, []uint64{1, 2})
	require.False(t, ok)
}
