package sim

import (
	"os"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/clock"
)

func TestSmoke(t *testing.T) {
	cfg := DefaultConfig(1)
	w := New(cfg)
	w.TraceTo(os.Stdout)
	res := w.Run(func() {
		mb := clock.NewMailbox[int](w, "mb", 2)
		mu := clock.NewMutex(w, "mu")
		wg := clock.NewWaitGroup(w, "wg")
		n := 0
		for i := range 3 {
			wg.Go("worker", func() {
				for j := range 3 {
					mu.Lock()
					n++
					mu.Unlock()
					mb.Send(i*10 + j)
					w.Sleep(time.Millisecond)
				}
			})
		}
		got := 0
		for range 9 {
			mb.Recv()
			got++
		}
		wg.Wait()
		if n != 9 || got != 9 {
			panic("bad")
		}
	})
	t.Logf("%+v %x", res.Failure, res.Hash)
	if res.Failure != nil {
		t.Fatal(res.Failure.Report())
	}
}
