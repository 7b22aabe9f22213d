//go:build unix

package driver

import (
	"os/exec"
	"syscall"
)

// ownGroup puts the driver in its own process group, so that killing it
// also kills what it started (a wrapper script's runtime, for instance).
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func killGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Process.Kill()
}
