// Package secretfile reads a credential from a file the one way both the
// config loader (at start) and the HSS client (after a rotation) must read
// it, so a rotated file is never taken differently from the first one.
package secretfile

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/hss-exporter/hss_exporter/internal/boundedfile"
)

// MaxSize guards against a *_file that points at the wrong file (a log, a
// device): real keys, passwords and tokens are far smaller.
const MaxSize = 64 << 10

// Errors of a file that cannot hold a credential.
var (
	ErrNotRegular = boundedfile.ErrNotRegular
	ErrTooLarge   = fmt.Errorf("larger than %d KiB", MaxSize>>10)
	ErrEmpty      = errors.New("the file is empty")
)

// Read returns the file's content without its trailing newline (editors
// and echo add one), with the FileInfo of the very file read. It reads
// only a regular file, opened without blocking (see boundedfile). Errors
// never hold the content, nor the path, which callers name once
// themselves.
func Read(name string) (string, os.FileInfo, error) {
	b, fi, err := boundedfile.Read(name, MaxSize)
	switch {
	case errors.Is(err, boundedfile.ErrTooLarge):
		return "", nil, ErrTooLarge
	case err != nil:
		return "", nil, err
	}
	v := strings.TrimRight(string(b), "\r\n")
	if v == "" {
		return "", nil, ErrEmpty
	}
	return v, fi, nil
}
