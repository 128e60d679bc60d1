package testtool

import (
	"os"

	"golang.org/x/sys/unix"
)

// sharedFD returns process pid's file descriptor fd as one of ours, sharing
// its open file description and with it the file offset (pidfd_getfd, Linux
// 5.6 and later), or nil where the kernel or a ptrace policy such as Yama's
// refuses. A line written there lands where that process writes next, and
// its next write comes after the line: with `go test ./... > log`, the go
// command's following "ok" line no longer overwrites it.
func sharedFD(pid, fd int) *os.File {
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return nil
	}
	defer unix.Close(pidfd)
	dup, err := unix.PidfdGetfd(pidfd, fd, 0)
	if err != nil {
		return nil
	}
	return os.NewFile(uintptr(dup), "shared-fd")
}
