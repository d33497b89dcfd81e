package detcheck

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The directive is a line comment that starts with dst:simulated and
// says nothing more than a reason after a colon; prose that starts or
// mentions it is not a directive, so documentation can discuss it.
func TestSimulatedDirectiveIsRecognisedExactly(t *testing.T) {
	for text, want := range map[string]bool{
		"//dst:simulated":                        true,
		"// dst:simulated":                       true,
		"//dst:simulated  ":                      true,
		"//dst:simulated: the model runs inside": true,
		"//dst:simulated directive puts files":   false,
		"//     dst:simulated directive puts in": false,
		"//dst:simulatedx":                       false,
		"// see dst:simulated":                   false,
		"/* dst:simulated */":                    false,
		"//dst:allow map-range: a reason":        false,
	} {
		require.Equal(t, want, isSimulatedDirective(text), "%q", text)
	}
}
