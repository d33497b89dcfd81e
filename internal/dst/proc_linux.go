package dst

import (
	"os/exec"
	"syscall"
)

// setProcAttr makes the kernel kill a worker process when dst dies, even
// by SIGKILL, so that no orphan goes on running seeds nobody records; and
// puts it in a process group of its own, so that a Ctrl-C at the terminal
// reaches dst alone, which stops its workers itself (a worker killed by
// the signal first would look like a crash).
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}
