// Package knob describes the fields of a run configuration as keys that
// can be printed as one block, pinned from the command line (-sim.set
// key=value) and listed with their documentation. A key is a name, a doc
// line, and a getter and setter over the configuration struct it belongs
// to; the setter validates, so a bad value is refused with a message that
// says what is wanted. Keys of a part of the configuration (the network's
// faults) are lifted into the whole (the run's Config) with Lift, so every
// package declares its own keys next to its own fields.
package knob

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Key is one printable, pinnable field of a configuration of type C.
type Key[C any] struct {
	Name string
	Doc  string
	Get  func(*C) string
	Set  func(*C, string) error
}

// Lift turns keys over a part P of C into keys over C.
func Lift[C, P any](keys []Key[P], part func(*C) *P) []Key[C] {
	out := make([]Key[C], len(keys))
	for i, k := range keys {
		out[i] = Key[C]{
			Name: k.Name,
			Doc:  k.Doc,
			Get:  func(c *C) string { return k.Get(part(c)) },
			Set:  func(c *C, s string) error { return k.Set(part(c), s) },
		}
	}
	return out
}

// Find returns the key named name, or nil.
func Find[C any](keys []Key[C], name string) *Key[C] {
	for i := range keys {
		if keys[i].Name == name {
			return &keys[i]
		}
	}
	return nil
}

// Names lists the keys' names in order.
func Names[C any](keys []Key[C]) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.Name
	}
	return out
}

// Set pins one key, with an error that lists the known keys when the
// name is unknown and says what is wanted when the value is bad.
func Set[C any](keys []Key[C], c *C, name, value string) error {
	k := Find(keys, name)
	if k == nil {
		return fmt.Errorf("unknown configuration key %q; known keys: %s", name, strings.Join(Names(keys), ", "))
	}
	if err := k.Set(c, value); err != nil {
		return fmt.Errorf("bad value %q for %s: %v", value, name, err)
	}
	return nil
}

// Print renders c as one "key = value" line per key, aligned, in order.
func Print[C any](keys []Key[C], c *C) string {
	var b strings.Builder
	width := 0
	for _, k := range keys {
		width = max(width, len(k.Name))
	}
	for _, k := range keys {
		fmt.Fprintf(&b, "%-*s = %s\n", width, k.Name, k.Get(c))
	}
	return b.String()
}

// Prob is a key for a probability in [0, 1].
func Prob[C any](name, doc string, field func(*C) *float64) Key[C] {
	return Key[C]{name, doc,
		func(c *C) string { return FormatFloat(*field(c)) },
		func(c *C, s string) error {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || !(v >= 0 && v <= 1) { // written so that NaN fails too
				return fmt.Errorf("want a probability in [0, 1]")
			}
			*field(c) = v
			return nil
		}}
}

// Duration is a key for a duration; zero is allowed only when zeroOff
// (zero then means "off").
func Duration[C any](name, doc string, zeroOff bool, field func(*C) *time.Duration) Key[C] {
	return Key[C]{name, doc,
		func(c *C) string { return field(c).String() },
		func(c *C, s string) error {
			v, err := time.ParseDuration(s)
			switch {
			case err != nil || v < 0:
				return fmt.Errorf("want a Go duration such as 90s")
			case v == 0 && !zeroOff:
				return fmt.Errorf("want a positive duration")
			}
			*field(c) = v
			return nil
		}}
}

// Int is a key for an integer in [lo, hi].
func Int[C any](name, doc string, lo, hi int, field func(*C) *int) Key[C] {
	return Key[C]{name, doc,
		func(c *C) string { return strconv.Itoa(*field(c)) },
		func(c *C, s string) error {
			v, err := strconv.Atoi(s)
			if err != nil || v < lo || v > hi {
				return fmt.Errorf("want an integer in [%d, %d]", lo, hi)
			}
			*field(c) = v
			return nil
		}}
}

// Uint64 is a key for a positive integer.
func Uint64[C any](name, doc string, field func(*C) *uint64) Key[C] {
	return Key[C]{name, doc,
		func(c *C) string { return strconv.FormatUint(*field(c), 10) },
		func(c *C, s string) error {
			v, err := strconv.ParseUint(s, 10, 64)
			if err != nil || v == 0 {
				return fmt.Errorf("want a positive integer")
			}
			*field(c) = v
			return nil
		}}
}

// FormatFloat prints a float in its shortest exact form.
func FormatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
