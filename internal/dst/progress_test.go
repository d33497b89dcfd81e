package dst

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// On a resume the bar counts the whole plan: its fraction and the
// "done/total" of its line are the same number (they were 25/50 and
// 75/100 before, for 50 seeds resumed and 25 of the other 50 run).
func TestProgressBarCountsResumedSeeds(t *testing.T) {
	for _, c := range []struct{ remaining, already, run int }{{50, 50, 25}, {100, 0, 30}, {10, 90, 10}} {
		var out bytes.Buffer
		p := newProgress(&out, c.remaining, c.already, 0, 0, time.Hour, true)
		for range c.run {
			p.Seed(false)
		}
		done, total := c.already+c.run, c.already+c.remaining
		require.InDelta(t, float64(done)/float64(total), p.bar.State().CurrentPercent, 1e-9, "%+v", c)
		require.Contains(t, p.line(true), fmt.Sprintf("%d/%d seeds", done, total), "%+v", c)
		p.Finish()
	}
}

// The time left counts this run's seeds and rate only: 50 seeds to go,
// none run yet, gives no estimate rather than one from resumed seeds.
func TestProgressTimeLeftIgnoresResumedSeeds(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(&out, 50, 950, 0, 0, time.Hour, false)
	require.NotContains(t, p.line(true), "left")
	p.began = time.Now().Add(-10 * time.Second)
	for range 10 {
		p.Seed(false)
	}
	line := p.line(true) // 10 seeds in 10 s: 40 to go at 1 seed/s
	require.Contains(t, line, "960/1000 seeds")
	require.Regexp(t, `about (39|40|41)s left`, line)
}
