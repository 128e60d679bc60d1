package testtool

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A line written through sharedFD into a file its owner opened without
// O_APPEND (as the shell does for `go test ./... > log`) stays there: the
// owner's next write follows it instead of overwriting it.
func TestSharedFDLineSurvivesTheOwnersNextWrite(t *testing.T) {
	t.Parallel()
	if fd := os.Getenv("TESTTOOL_SHARED_FD"); fd != "" {
		n, err := strconv.Atoi(fd)
		require.NoError(t, err)
		f := sharedFD(os.Getppid(), n)
		require.NotNil(t, f, "pidfd_getfd refused")
		_, err = f.WriteString("the skip line\n")
		require.NoError(t, err)
		require.NoError(t, f.Close())
		return
	}
	log, err := os.OpenFile(filepath.Join(t.TempDir(), "log"), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	require.NoError(t, err)
	defer log.Close()
	_, err = log.WriteString("ok  \tfirst\n")
	require.NoError(t, err)

	child := exec.Command(os.Args[0], "-test.run=^TestSharedFDLineSurvivesTheOwnersNextWrite$")
	child.Env = append(os.Environ(), "TESTTOOL_SHARED_FD="+strconv.Itoa(int(log.Fd())))
	out, err := child.CombinedOutput()
	if err != nil && strings.Contains(string(out), "pidfd_getfd refused") {
		t.Skipf("this kernel or its ptrace policy (Yama) refuses pidfd_getfd on the parent; announce falls back to /proc: %s", out)
	}
	require.NoError(t, err, "%s", out)

	_, err = log.WriteString("ok  \tsecond\n")
	require.NoError(t, err)
	got, err := os.ReadFile(log.Name())
	require.NoError(t, err)
	require.Equal(t, "ok  \tfirst\nthe skip line\nok  \tsecond\n", string(got))
}
