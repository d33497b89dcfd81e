package dst

import (
	"errors"
	"os"
	"syscall"
)

// lockFile takes an exclusive flock on f without waiting, so that only
// one dst at a time appends to a results file: a second --resume of a
// file that a sweep is still writing would run the same seeds again and
// leave duplicates. The lock is the open file's: it goes when the file
// is closed or the process dies (even by SIGKILL), so a killed sweep
// never leaves a stale lock behind. held is true when another process
// holds it.
func lockFile(f *os.File) (held bool, err error) {
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true, nil
	}
	return false, err
}
