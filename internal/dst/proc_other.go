//go:build !linux

package dst

import "os/exec"

// setProcAttr does nothing here: an orphaned worker dies of SIGPIPE at
// its next result line once dst is gone.
func setProcAttr(cmd *exec.Cmd) {}
