package testtool

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// M is what a TestMain runs: *testing.M, or a wrapper such as goleak's.
type M interface{ Run() int }

// Main runs a package's tests and exits, printing the package's line when
// a tool was missing. A package that asks for tools calls it from
// TestMain: func TestMain(m *testing.M) { testtool.Main(m) }.
func Main(m *testing.M) { os.Exit(Reporting(m).Run()) }

// Reporting wraps m for a TestMain that hands it on, as in
// goleak.VerifyTestMain(testtool.Reporting(m)).
func Reporting(m M) M {
	skips.Lock()
	skips.main = true
	skips.Unlock()
	return reporting{m}
}

type reporting struct{ m M }

func (r reporting) Run() int {
	code := r.m.Run()
	if line := summary(); line != "" {
		hooks.announce(line)
		hooks.uncached()
	}
	return code
}

// announce prints one line where `go test ./...` shows it. In package-list
// mode the go command prints nothing a passing test binary writes, so the
// line goes to the go command's own stderr: shared with it where Linux
// allows (sharedFD), which works whatever that stderr is, a terminal, a
// pipe or a file (`go test ./... > log 2>&1`); otherwise reached through
// /proc when that is a terminal, a pipe or a file opened for appending (a
// line appended to a file the go command writes at its own offset would
// be overwritten). Elsewhere, and with -v, it goes to stderr as usual.
func announce(line string) {
	line = importPath() + ": " + line + "\n"
	if !testing.Verbose() {
		if f := goStderr(); f != nil {
			_, _ = f.WriteString(line)
			_ = f.Close()
			return
		}
	}
	fmt.Fprint(os.Stderr, line)
}

// goStderr returns the stderr of the go command that runs this test
// binary, or nil.
func goStderr() *os.File {
	ppid := os.Getppid()
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", ppid))
	if err != nil || strings.TrimSpace(string(comm)) != "go" {
		return nil
	}
	if f := sharedFD(ppid, 2); f != nil {
		return f
	}
	fd := fmt.Sprintf("/proc/%d/fd/2", ppid)
	st, err := os.Stat(fd)
	if err != nil {
		return nil
	}
	if st.Mode().IsRegular() && !appending(fmt.Sprintf("/proc/%d/fdinfo/2", ppid)) {
		return nil
	}
	f, err := os.OpenFile(fd, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil
	}
	return f
}

// appending reports whether an fdinfo file shows O_APPEND among the flags.
func appending(fdinfo string) bool {
	data, err := os.ReadFile(fdinfo)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "flags:"); ok {
			flags, err := strconv.ParseUint(strings.TrimSpace(v), 8, 64)
			return err == nil && flags&uint64(os.O_APPEND) != 0
		}
	}
	return false
}

// keepUncached stops the go command from caching this run's result. It
// caches a passing package, and would then print its "ok" without the line
// next time, and again after the tool is installed, since it does not
// watch programs outside the module. It does not cache a run that read a
// file of the module changed less than two seconds before the run ended:
// the marker file is read during the run and touched again at its end.
func keepUncached() {
	root := moduleRoot()
	if root == "" {
		return
	}
	marker := filepath.Join(root, ".skipped-tests")
	now := time.Now()
	if os.Chtimes(marker, now, now) != nil {
		_ = os.WriteFile(marker, []byte("written by internal/testtool: a test was skipped for want of a tool\n"), 0o644)
	}
	if f, err := os.Open(marker); err == nil {
		_ = f.Close()
	}
}

// moduleRoot is the directory of the go.mod above the working directory
// (the package's directory under go test).
func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// importPath is the package under test, as go test names it.
func importPath() string {
	root := moduleRoot()
	wd, err := os.Getwd()
	if root == "" || err != nil {
		return filepath.Base(wd)
	}
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return filepath.Base(wd)
	}
	module := ""
	for _, line := range bytes.Split(data, []byte("\n")) {
		if rest, ok := bytes.CutPrefix(bytes.TrimSpace(line), []byte("module ")); ok {
			module = strings.Trim(string(bytes.TrimSpace(rest)), `"`)
			break
		}
	}
	rel, err := filepath.Rel(root, wd)
	if err != nil || rel == "." {
		return module
	}
	return module + "/" + filepath.ToSlash(rel)
}
