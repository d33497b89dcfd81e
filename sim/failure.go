package sim

import (
	"fmt"
	"strings"

	"github.com/cdcsim/cdcsim/clock"
)

// Kind classifies why a run failed. Kinds are distinct because they are
// read differently: a panic or safety failure is a bug at one step, a
// liveness failure is a goal unmet after faults healed, nondeterminism is
// a bug in the model's determinism (or the simulator's), and budget means
// the run did not finish within its limits.
type Kind string

const (
	KindPanic          Kind = "panic"
	KindSafety         Kind = "safety"
	KindLiveness       Kind = "liveness"
	KindNondeterminism Kind = "nondeterminism"
	KindBudget         Kind = "budget"
)

// Kinds lists every failure kind.
var Kinds = []Kind{KindPanic, KindSafety, KindLiveness, KindNondeterminism, KindBudget}

// Failure says why and where a run failed.
type Failure struct {
	Kind    Kind
	Message string     // one line: what went wrong
	Step    uint64     // the step at which it was detected
	Time    clock.Time // virtual time of detection
	Node    string     // node of the task or callback that was running, if any
	Task    string     // task that was running, if any
	Stack   string     // for panics, and an abandoned run: the task's stack
	// Detail is extra text: a deadlock's list of blocked tasks, the steps
	// where two runs diverged.
	Detail string
	// Abandoned is set when the wall-clock watchdog gave up on a task
	// that does not yield (hang.go): the run was not finished, nor re-run.
	Abandoned bool
	// WallStop is set when the wall-clock budget stopped the run between
	// steps: where it stopped depends on the machine, not on the seed.
	WallStop bool
}

func (f *Failure) Error() string {
	return fmt.Sprintf("%s: %s", f.Kind, f.Message)
}

// Report renders the failure over several lines for a human.
func (f *Failure) Report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", f.Kind, f.Message)
	fmt.Fprintf(&b, "  at step %d, virtual time %s", f.Step, f.Time)
	if f.Node != "" {
		fmt.Fprintf(&b, ", node %s", f.Node)
	}
	if f.Task != "" {
		fmt.Fprintf(&b, ", task %q", f.Task)
	}
	b.WriteByte('\n')
	if f.Detail != "" {
		b.WriteString(indent(f.Detail, "  "))
	}
	if f.Stack != "" {
		b.WriteString("  stack:\n")
		b.WriteString(indent(f.Stack, "    "))
	}
	return b.String()
}

func indent(s, prefix string) string {
	s = strings.TrimRight(s, "\n")
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix) + "\n"
}
