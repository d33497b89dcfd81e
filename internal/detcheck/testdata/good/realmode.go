//dst:file-allow go-statement,wall-clock: this file stands in for a real-mode runtime
package good

import "time"

func background(f func()) {
	go f()
	time.Sleep(time.Millisecond)
}
