package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

// unreadableFiles are paths an operator may give by mistake: a device
// that never ends, a FIFO nobody writes to, a 1 GiB file (sparse, so the
// test costs no disk), and a directory.
func unreadableFiles(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	big := filepath.Join(dir, "big.yml")
	f, err := os.Create(big)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(1<<30))
	require.NoError(t, f.Close())
	return map[string]string{
		"/dev/zero": "not a regular file (a character device)",
		fifo:        "not a regular file (a named pipe (FIFO))",
		big:         "file too large: 1 GiB, more than the 10 MiB allowed",
		dir:         "not a regular file (a directory)",
	}
}

// TestUnreadableConfigFilesFailAtOnce: --config.file and --web.config.file
// naming a device, a FIFO, a huge file or a directory each stop the
// exporter at once (seconds, not a hang) with one line naming the flag's file and why,
// exit 1, whether serving or under --config.check.
func TestUnreadableConfigFilesFailAtOnce(t *testing.T) {
	t.Parallel()
	for path, why := range unreadableFiles(t) {
		for _, args := range [][]string{
			{"--config.file=" + path},
			{"--config.check", "--config.file=" + path},
			{"--demo", "--web.config.file=" + path},
			{"--config.check", "--config.file=config/example.yml", "--web.config.file=" + path},
		} {
			var stderr bytes.Buffer
			start := time.Now()
			code := run(context.Background(), append(args, "--web.listen-address=127.0.0.1:0"), &bytes.Buffer{}, &stderr)
			require.Equal(t, 1, code, "%v: %s", args, stderr.String())
			require.Less(t, time.Since(start), 3*time.Second, args)
			out := strings.TrimSpace(stderr.String())
			require.Contains(t, out, path+": "+why, args)
			require.Len(t, strings.Split(out, "\n"), 1, "one line: %q", out)
		}
	}
}

// TestLoadReadsOnlyABoundedRegularFile: a file of exactly the limit loads
// (or fails on its content), one byte more is refused unread.
func TestLoadReadsOnlyABoundedRegularFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	exact := filepath.Join(dir, "exact.yml")
	require.NoError(t, os.WriteFile(exact, []byte("#"+strings.Repeat(" ", config.MaxFileSize-2)+"\n"), 0o600))
	_, err := config.Load(exact)
	require.ErrorContains(t, err, "the file is empty", "read and parsed")
	over := filepath.Join(dir, "over.yml")
	require.NoError(t, os.WriteFile(over, make([]byte, config.MaxFileSize+1), 0o600))
	_, err = config.Load(over)
	require.ErrorContains(t, err, over+": file too large")
}

// TestSignalStopsAHangingStartUp: while the configuration read hangs (a
// stuck network mount), SIGTERM, as main turns it into ctx, still stops
// the exporter at once.
func TestSignalStopsAHangingStartUp(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	// entered tells the test the hanging read has begun, and so that the
	// step has read loadConfig before the test restores it.
	entered := make(chan struct{}, 2)
	loadConfig = func(string) (*config.Config, error) {
		entered <- struct{}{}
		<-release
		return nil, context.Canceled
	}
	t.Cleanup(func() { loadConfig = config.Load })
	for _, args := range [][]string{{"--config.file=hss.yml"}, {"--config.check", "--config.file=hss.yml"}} {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int, 1)
		var stderr testtool.SyncBuffer
		go func() { done <- run(ctx, append(args, "--web.listen-address=127.0.0.1:0"), &bytes.Buffer{}, &stderr) }()
		select {
		case <-entered:
		case <-time.After(5 * time.Second):
			t.Fatalf("%v: the configuration read never began", args)
		}
		cancel()
		select {
		case code := <-done:
			require.Contains(t, stderr.String(), "stopped by a signal during start-up", args)
			if args[0] == "--config.check" {
				require.Equal(t, 1, code, "the check did not pass")
			} else {
				require.Equal(t, 0, code)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("%v: still starting 2s after the signal", args)
		}
	}
}

// TestBinaryStopsOnSIGTERMAtAnyPointOfStartUp sends SIGTERM to the built
// binary at several moments of its start-up: it always exits within
// seconds.
func TestBinaryStopsOnSIGTERMAtAnyPointOfStartUp(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	for _, after := range []time.Duration{0, 2 * time.Millisecond, 10 * time.Millisecond, 50 * time.Millisecond, 300 * time.Millisecond} {
		r := launchBinary(t, "--demo")
		time.Sleep(after)
		r.signal(t, syscall.SIGTERM)
		select {
		case <-r.exited:
		case <-time.After(5 * time.Second):
			t.Fatalf("SIGTERM %v into start-up: still running after 5s; logs:\n%s", after, r.logs.String())
		}
	}
}
