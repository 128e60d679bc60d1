package boundedfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestReadTakesOnlyABoundedRegularFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	small := filepath.Join(dir, "small")
	require.NoError(t, os.WriteFile(small, []byte("0123456789"), 0o600))
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink(small, link))

	for _, tc := range []struct {
		path  string
		limit int64
		err   string // "" means it reads
	}{
		{small, 10, ""},
		{link, 10, ""},
		{small, 9, "file too large: 10 bytes, more than the 9 bytes allowed"},
		{"/dev/zero", 1 << 20, "not a regular file (a character device)"},
		{fifo, 1 << 20, "not a regular file (a named pipe (FIFO))"},
		{dir, 1 << 20, "not a regular file (a directory)"},
		{filepath.Join(dir, "absent"), 1 << 20, "no such file or directory"},
	} {
		start := time.Now()
		b, fi, err := Read(tc.path, tc.limit)
		require.Less(t, time.Since(start), time.Second, "never blocks: %s", tc.path)
		if tc.err != "" {
			require.EqualError(t, err, tc.err, tc.path)
			require.NotContains(t, err.Error(), dir, "the caller names the path")
			continue
		}
		require.NoError(t, err)
		require.Equal(t, "0123456789", string(b))
		require.True(t, fi.Mode().IsRegular())
	}
}

func TestSizeReadsLikeALimit(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{
		9: "9 bytes", 64 << 10: "64 KiB", 10 << 20: "10 MiB", 1 << 30: "1 GiB", 1_000_000_000: "953.7 MiB", 1500: "1.5 KiB",
	} {
		require.Equal(t, want, Size(n))
	}
}
