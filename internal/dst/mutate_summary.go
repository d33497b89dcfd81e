package dst

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/cdcsim/cdcsim/internal/mutate"
)

// MutationScore counts a set of mutants' outcomes.
type MutationScore struct {
	Generated, Killed, Survived, Unreached, Timeout, NotCompiled, Equivalent, Pending int
}

func (s *MutationScore) add(res *MutantResult) {
	s.Generated++
	switch {
	case res == nil:
		s.Pending++
	case res.Outcome == OutcomeKilled:
		s.Killed++
	case res.Outcome == OutcomeSurvived:
		s.Survived++
	case res.Outcome == OutcomeUnreached:
		s.Unreached++
	case res.Outcome == OutcomeTimeout:
		s.Timeout++
	case res.Outcome == OutcomeNotCompiled:
		s.NotCompiled++
	case res.Outcome == OutcomeEquivalent:
		s.Equivalent++
	}
}

// Score is killed / (generated - not compiled - equivalent), over the
// mutants that have a result; ok is false when that is none. A timeout
// counts against the score: it was not killed.
func (s MutationScore) Score() (float64, bool) {
	den := s.Generated - s.Pending - s.NotCompiled - s.Equivalent
	if den <= 0 {
		return 0, false
	}
	return float64(s.Killed) / float64(den), true
}

// ReachedScore is the score over the mutants some seed reached: killed /
// (killed + survived + timeout). It measures the oracles alone, where
// Score also charges them for code no workload runs (PIT calls the two
// mutation score and test strength).
func (s MutationScore) ReachedScore() (float64, bool) {
	den := s.Killed + s.Survived + s.Timeout
	if den == 0 {
		return 0, false
	}
	return float64(s.Killed) / float64(den), true
}

func (s MutationScore) scoreText() string { return percent(s.Score()) }

func percent(v float64, ok bool) string {
	if ok {
		return fmt.Sprintf("%.1f%%", 100*v)
	}
	return "-"
}

// printMutationSummary prints the tables per package and per operator,
// then every survivor and timeout, and every killed mutant with the line
// that replays its failing seed.
func printMutationSummary(w io.Writer, f *mutateFlags, ms []*mutate.Mutant, results map[string]*MutantResult) {
	var total MutationScore
	byPkg, byOp := map[string]*MutationScore{}, map[string]*MutationScore{}
	var pkgs, ops []string
	for _, m := range ms {
		if byPkg[m.Pkg] == nil {
			byPkg[m.Pkg] = &MutationScore{}
			pkgs = append(pkgs, m.Pkg)
		}
		if byOp[m.Op] == nil {
			byOp[m.Op] = &MutationScore{}
		}
		res := results[m.ID]
		total.add(res)
		byPkg[m.Pkg].add(res)
		byOp[m.Op].add(res)
	}
	for _, name := range mutate.Names() {
		if byOp[name] != nil {
			ops = append(ops, name)
		}
	}
	fmt.Fprintln(w)
	printScoreTable(w, "package", pkgs, byPkg, total)
	fmt.Fprintln(w)
	printScoreTable(w, "operator", ops, byOp, total)
	fmt.Fprintf(w, "\nmutation score %s = killed %d / (generated %d - not compiled %d - equivalent %d)",
		total.scoreText(), total.Killed, total.Generated-total.Pending, total.NotCompiled, total.Equivalent)
	if total.Pending > 0 {
		fmt.Fprintf(w, "; %d mutants not run", total.Pending)
	}
	fmt.Fprintln(w)
	if total.Unreached > 0 {
		fmt.Fprintf(w, "over the mutants some seed reached: %s = killed %d / (killed + survived %d + timeout %d); %d unreached\n",
			percent(total.ReachedScore()), total.Killed, total.Survived, total.Timeout, total.Unreached)
	}
	printMutantList(w, "survived", ms, results, func(r *MutantResult) string {
		if r.PatchOffSwept {
			return fmt.Sprintf("%d seeds, with the patches on and with patch %s off", r.SeedsRun, r.PatchOff)
		}
		return fmt.Sprintf("%d seeds", r.SeedsRun)
	})
	printMutantList(w, "timeout", ms, results, func(r *MutantResult) string { return r.Message })
	printMutantList(w, "unreached", ms, results, func(r *MutantResult) string { return r.Message + ": a workload or fault that runs it would judge it" })
	printMutantList(w, "killed", ms, results, func(r *MutantResult) string {
		with := ""
		if len(r.Set) > 0 && r.PatchOffSwept {
			with = fmt.Sprintf(", with patch %s off", r.PatchOff)
		}
		warn := ""
		if r.BaselineFails {
			warn = "\n      warning: this seed fails on the unmutated model too: the kill says nothing"
		}
		return fmt.Sprintf("%s seed %d%s: %s: %s\n      replay: %s%s", r.Workload, r.Seed, with, r.Kind, r.Message, r.replayLine(f.pkg), warn)
	})
}

func printScoreTable(w io.Writer, what string, keys []string, rows map[string]*MutationScore, total MutationScore) {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\tgenerated\tkilled\tsurvived\tunreached\ttimeout\tnot compiled\tequivalent\tscore\treached score\t\n", what)
	line := func(name string, s MutationScore) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t\n", name, s.Generated-s.Pending, s.Killed, s.Survived, s.Unreached,
			s.Timeout, s.NotCompiled, s.Equivalent, s.scoreText(), percent(s.ReachedScore()))
	}
	for _, k := range keys {
		line(k, *rows[k])
	}
	line("total", total)
	tw.Flush()
}

func printMutantList(w io.Writer, outcome string, ms []*mutate.Mutant, results map[string]*MutantResult, detail func(*MutantResult) string) {
	first := true
	for _, m := range ms {
		r := results[m.ID]
		if r == nil || r.Outcome != outcome {
			continue
		}
		if first {
			fmt.Fprintf(w, "\n%s:\n", outcome)
			first = false
		}
		fmt.Fprintf(w, "  %s %s %s %s\n      %s\n      %s\n", r.Pos(), r.Op, r.ID, r.Func, r.Describe(), detail(r))
	}
}
