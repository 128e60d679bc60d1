// Package secretfile reads a credential from a file the one way both the
// config loader (at start) and the HSS client (after a rotation) must read
// it, so a rotated file is never taken differently from the first one.
package secretfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// MaxSize guards against a *_file that points at the wrong file (a log, a
// device): real keys, passwords and tokens are far smaller.
const MaxSize = 64 << 10

// Errors of a file that was read but cannot hold a credential.
var (
	ErrNotRegular = errors.New("not a regular file")
	ErrTooLarge   = fmt.Errorf("larger than %d KiB", MaxSize>>10)
	ErrEmpty      = errors.New("the file is empty")
)

// Read returns the file's content without its trailing newline (editors
// and echo add one), with the FileInfo of the very file read. Errors never
// hold the content, nor the path, which callers name once themselves.
func Read(name string) (string, os.FileInfo, error) {
	// Stat first: opening a FIFO (or /dev/stdin) put in the file's place
	// would block. Stat follows symlinks, so Kubernetes-mounted secrets pass.
	if fi, err := os.Stat(name); err != nil {
		return "", nil, withoutPath(err)
	} else if !fi.Mode().IsRegular() {
		return "", nil, ErrNotRegular
	}
	f, err := os.Open(name)
	if err != nil {
		return "", nil, withoutPath(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	switch {
	case err != nil:
		return "", nil, withoutPath(err)
	case !fi.Mode().IsRegular():
		return "", nil, ErrNotRegular
	case fi.Size() > MaxSize:
		return "", nil, ErrTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	switch {
	case err != nil:
		return "", nil, withoutPath(err)
	case len(b) > MaxSize:
		return "", nil, ErrTooLarge // grew after the Stat
	}
	v := strings.TrimRight(string(b), "\r\n")
	if v == "" {
		return "", nil, ErrEmpty
	}
	return v, fi, nil
}

// withoutPath drops the path os errors repeat ("open /x: permission
// denied" becomes "permission denied").
func withoutPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
