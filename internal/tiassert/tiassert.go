package tiassert

import "fmt"

// Prefix begins every message Failf panics with, so that a report, a
// test or a sweep can tell a TiCDC assertion from any other panic.
const Prefix = "TiCDC assertion: "

// Failf panics because the model reached a state that TiCDC asserts it
// never reaches. site is TiCDC's file and function at the modelled commit
// (the row of docs/ticdc-assertions.md), msg a short wording of TiCDC's
// log message, and format and args the model's values: the node, the
// dispatcher and the values the condition compared.
func Failf(site, msg, format string, args ...any) {
	panic(Prefix + msg + " (" + site + "): " + fmt.Sprintf(format, args...))
}
