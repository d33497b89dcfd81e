package mutate

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
)

// Sample returns n of the mutants, chosen by seed: the same mutants, in
// generation order, for the same list, n and seed. n <= 0 or n >=
// len(ms) returns them all. Choosing by a shuffle of the positions
// keeps the choice independent of how many workers run them.
func Sample(ms []*Mutant, n int, seed uint64) []*Mutant {
	if n <= 0 || n >= len(ms) {
		return ms
	}
	idx := rand.New(rand.NewPCG(seed, 0x6d75746174650a)).Perm(len(ms))[:n]
	slices.Sort(idx)
	out := make([]*Mutant, n)
	for i, k := range idx {
		out[i] = ms[k]
	}
	return out
}

// Equivalent is the checked-in list of mutants judged equivalent (no
// run of the model can tell them from the original): ID -> reason.
type Equivalent map[string]string

// ReadEquivalent reads an equivalence file: one mutant per line, its ID,
// white space, and the reason, which is required; # starts a comment
// line, and blank lines are skipped. A missing file is an empty list
// when optional is set.
func ReadEquivalent(path string, optional bool) (Equivalent, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) && optional {
		return Equivalent{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := Equivalent{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		id, reason, _ := strings.Cut(text, " ")
		reason = strings.TrimSpace(reason)
		if len(id) != 12 || strings.Trim(id, "0123456789abcdef") != "" {
			return nil, fmt.Errorf("%s:%d: %q is not a mutant ID (12 hex digits, as dst mutate --list prints)", path, line, id)
		}
		if reason == "" {
			return nil, fmt.Errorf("%s:%d: mutant %s has no reason: say why it is equivalent", path, line, id)
		}
		if _, dup := out[id]; dup {
			return nil, fmt.Errorf("%s:%d: mutant %s is listed twice", path, line, id)
		}
		out[id] = reason
	}
	return out, sc.Err()
}
