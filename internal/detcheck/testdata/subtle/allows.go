package subtle

import (
	. "time"
)

//dst:file-allow package-state: after the package clause, so not in effect

var late int

func trailing(f func()) {
	_ = Now() //dst:allow wall-clock: a trailing allow covers its own line
	_ = Now()
	// dst:allow go-statement: the spaced form is accepted
	go f()
	//dst:allow select: the wrong rule does not cover a go statement
	go f()
	go f() //dst:allow go-statement
	//dst:allow go-statement,wall-clock: one comment, two rules
	go Sleep(1)
	/* dst:allow go-statement: a block comment is not a directive */
	go f()
	// This mentions dst:allow go-statement: in prose, which is not a directive.
	go f()
	//dst:allow: names no rule
	_ = late
	//dst:allow typecheck: cannot be allowed
	_ = late
}
