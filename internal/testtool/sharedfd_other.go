//go:build !linux

package testtool

import "os"

// sharedFD is Linux only (pidfd_getfd); elsewhere the line goes where the
// go command's stderr can be opened, or to the test binary's stderr.
func sharedFD(pid, fd int) *os.File { return nil }
