package sim

// Sometimes records whether cond was ever true at this call site in this
// run. It is the "sometimes" assertion of Antithesis and FoundationDB's
// TEST() macro: it never fails a run, but it names a situation a
// workload must make happen at least once across a sweep (a Removed
// response racing RemoveDispatcher, a REGISTER requeued after
// "congested"). dst run aggregates the outcomes of every seed and lists
// each name that no seed reached.
//
// Like coverage it is an observation: it draws nothing, schedules
// nothing and leaves the hash alone. Each name is recorded at its first
// call, reached or not, so a sweep can tell "never reached" from "never
// asked". Call it with the same name from every place that tests the
// same situation.
func (w *World) Sometimes(name string, cond bool) {
	i, ok := w.sometimes.index[name]
	if !ok {
		if w.sometimes.index == nil {
			w.sometimes.index = make(map[string]int)
		}
		i = len(w.sometimes.names)
		w.sometimes.index[name] = i
		w.sometimes.names = append(w.sometimes.names, name)
		w.sometimes.hit = append(w.sometimes.hit, false)
	}
	if cond {
		w.sometimes.hit[i] = true
	}
}

// SometimesAtEnd asks Sometimes(name, cond()) once, when the run ends
// (passed or failed, before its tasks are unwound): for a situation
// best read off the whole run, such as a coverage point reached
// (Covered). cond must only read.
func (w *World) SometimesAtEnd(name string, cond func() bool) {
	w.sometimes.atEnd = append(w.sometimes.atEnd, atEnd{name, cond})
}

// endSometimes evaluates the SometimesAtEnd conditions.
func (w *World) endSometimes() {
	for _, e := range w.sometimes.atEnd {
		w.Sometimes(e.name, e.cond())
	}
	w.sometimes.atEnd = nil
}

// sometimesSet holds a run's Sometimes outcomes in first-call order.
type sometimesSet struct {
	index map[string]int
	names []string
	hit   []bool
	atEnd []atEnd
}

type atEnd struct {
	name string
	cond func() bool
}

// SometimesOutcome is one Sometimes assertion after a run.
type SometimesOutcome struct {
	Name    string
	Reached bool
}

// SometimesOutcomes returns every Sometimes asked in the run, sorted by
// name.
func (w *World) SometimesOutcomes() []SometimesOutcome {
	return sortedByName(w.sometimes.names, func(i int, n string) SometimesOutcome { return SometimesOutcome{Name: n, Reached: w.sometimes.hit[i]} },
		func(o SometimesOutcome) string { return o.Name })
}

// SometimesMap returns the outcomes as name -> reached, the form of the
// -sim.json line; nil when none was asked.
func SometimesMap(s []SometimesOutcome) map[string]bool {
	return byNameMap(s, func(o SometimesOutcome) (string, bool) { return o.Name, o.Reached })
}
