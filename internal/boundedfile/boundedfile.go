// Package boundedfile reads a file an operator names (the configuration,
// --web.config.file, a credential file) without trusting what it is: only
// a regular file of bounded size is read, and nothing is read of anything
// else, so a path pointing at /dev/zero, a FIFO or a huge log fails at once
// with a clear error instead of exhausting memory or blocking for ever.
package boundedfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Errors of a file that is not read.
var (
	ErrNotRegular = errors.New("not a regular file")
	ErrTooLarge   = errors.New("file too large")
)

// Read returns the content of the regular file name, at most limit bytes,
// with the FileInfo of the very file read. Errors never hold the path,
// which callers name once themselves, nor any of the content.
func Read(name string, limit int64) ([]byte, os.FileInfo, error) {
	f, fi, err := Open(name, limit)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	switch {
	case err != nil:
		return nil, nil, withoutPath(err)
	case int64(len(b)) > limit: // grew after the fstat
		return nil, nil, fmt.Errorf("%w: more than the %s allowed", ErrTooLarge, Size(limit))
	}
	return b, fi, nil
}

// Open opens the regular file name, of at most limit bytes when opened,
// for a caller that reads it as a stream (and bounds what it reads itself),
// with the FileInfo of the very file opened. Errors are those of Read.
func Open(name string, limit int64) (*os.File, os.FileInfo, error) {
	// O_NONBLOCK: opening a FIFO that no one writes to would block, and so
	// may opening some devices. The file type is checked on the open file
	// (fstat), so what is read is what was checked.
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, withoutPath(err)
	}
	fi, err := f.Stat()
	switch {
	case err != nil:
		err = withoutPath(err)
	case !fi.Mode().IsRegular():
		err = fmt.Errorf("%w (%s)", ErrNotRegular, kind(fi.Mode()))
	case fi.Size() > limit:
		err = fmt.Errorf("%w: %s, more than the %s allowed", ErrTooLarge, Size(fi.Size()), Size(limit))
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// kind names what a non-regular file is, for the operator.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "not a plain file"
}

// Size prints a byte count for a person: 64 KiB, 10 MiB, 953.7 MiB.
func Size(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
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
