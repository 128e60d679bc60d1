package testtool

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// recorder stands in for a test, to see what Need does to it.
type recorder struct {
	testing.TB
	name          string
	skipped       string
	failed        string
	logs          []string
	stopped, help bool
}

func (r *recorder) Helper()      { r.help = true }
func (r *recorder) Name() string { return r.name }
func (r *recorder) Logf(format string, args ...any) {
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}
func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
	r.stopped = true
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	r.stopped = true
}

// absent is a tool no machine has.
var absent = Tool{Name: "hss-exporter-no-such-tool", Debian: "no-such-package"}

// resetSkips empties the record and restores it when the test ends, so
// these tests leave the package's own line alone; it returns the lines
// that would have been printed.
func resetSkips(t *testing.T) *[]string {
	skips.Lock()
	saved, savedHow, savedMain, savedHooks := skips.tests, skips.how, skips.main, hooks
	skips.tests, skips.how = map[string]map[string]bool{}, map[string]string{}
	skips.Unlock()
	var lines []string
	hooks.announce = func(line string) { lines = append(lines, line) }
	hooks.uncached = func() {}
	t.Cleanup(func() {
		skips.Lock()
		skips.tests, skips.how, skips.main, hooks = saved, savedHow, savedMain, savedHooks
		skips.Unlock()
	})
	return &lines
}

func TestNeedSkipsWithTheInstallCommand(t *testing.T) {
	resetSkips(t)
	t.Setenv("CI", "")
	r := &recorder{name: "TestSomething/sub"}
	require.Empty(t, Need(r, absent))
	require.Equal(t, "hss-exporter-no-such-tool not found: apt-get install no-such-package to run this test", r.skipped)
	require.Empty(t, r.failed)
	require.Equal(t, "skipped for want of hss-exporter-no-such-tool (TestSomething); to run them: apt-get install no-such-package", summary())
}

func TestNeedFailsUnderCI(t *testing.T) {
	resetSkips(t)
	t.Setenv("CI", "true")
	r := &recorder{name: "TestSomething"}
	Need(r, absent)
	require.Contains(t, r.failed, "hss-exporter-no-such-tool not found and CI is set: apt-get install no-such-package")
	require.Empty(t, r.skipped)
	require.Empty(t, summary(), "a failure is not a skip")
}

func TestNeedSkipsUnderCIWhatCICannotInstall(t *testing.T) {
	resetSkips(t)
	t.Setenv("CI", "true")
	tool := absent
	tool.Debian, tool.Install, tool.NotInCI = "", "from elsewhere", "covered by .ci/run"
	r := &recorder{name: "TestSomething"}
	Need(r, tool)
	require.Empty(t, r.failed)
	require.Contains(t, r.skipped, "not found: from elsewhere")
	require.Contains(t, strings.Join(r.logs, "\n"), "covered by .ci/run")
}

func TestOptionalLetsTheTestGoOn(t *testing.T) {
	resetSkips(t)
	t.Setenv("CI", "")
	r := &recorder{name: "TestScrape"}
	path, ok := Optional(r, absent, "promtool check metrics")
	require.False(t, ok)
	require.Empty(t, path)
	require.False(t, r.stopped)
	require.Equal(t, []string{"promtool check metrics not run: hss-exporter-no-such-tool not found (apt-get install no-such-package)"}, r.logs)
	require.Contains(t, summary(), "(TestScrape)")
}

func TestSummaryNamesEveryToolOnceWithOneInstallCommand(t *testing.T) {
	resetSkips(t)
	t.Setenv("CI", "")
	prom := Tool{Name: "prom-x", Debian: "prometheus"}
	am := Tool{Name: "am-x", Debian: "prometheus-alertmanager"}
	tool := Tool{Name: "tool-x", Debian: "prometheus"}
	helm := Tool{Name: "helm-x", Install: "go install helm"}
	for _, c := range []struct {
		test string
		tool Tool
	}{{"TestB", prom}, {"TestA", prom}, {"TestA/sub", prom}, {"TestC", am}, {"TestD", tool}, {"TestE", helm}} {
		Need(&recorder{name: c.test}, c.tool)
	}
	require.Equal(t, "skipped for want of am-x (TestC), helm-x (TestE), prom-x (TestA, TestB), tool-x (TestD); "+
		"to run them: apt-get install prometheus-alertmanager prometheus; go install helm", summary())
}

func TestWithoutMainTheFirstMissOfEachToolIsSaidAtOnce(t *testing.T) {
	lines := resetSkips(t)
	t.Setenv("CI", "")
	skips.main = false
	Need(&recorder{name: "TestA"}, absent)
	Need(&recorder{name: "TestB"}, absent)
	require.Equal(t, []string{"hss-exporter-no-such-tool not found: TestA skipped (and maybe more, see go test -v); apt-get install no-such-package"}, *lines)
	skips.main = true
	Need(&recorder{name: "TestC"}, Tool{Name: "other-x", Debian: "p"})
	require.Len(t, *lines, 1, "with Main, the package's line comes at the end")
}

func TestFindPrefersTheGivenPathAndChecksArgs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := filepath.Join(dir, "tool")
	require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\n[ \"$1\" = ok ]\n"), 0o755))
	require.Equal(t, script, Tool{Name: "no-such-name", Paths: []string{script}}.find())
	require.Equal(t, script, Tool{Name: "no-such-name", Paths: []string{script}, Args: []string{"ok"}}.find())
	require.Empty(t, Tool{Name: "no-such-name", Paths: []string{script}, Args: []string{"no"}}.find(),
		"a tool whose check fails is absent (docker without its compose plugin)")
	require.Empty(t, Tool{Name: "no-such-name", Paths: []string{dir}}.find(), "a directory is no tool")
}

func TestAppendingReadsTheFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(flags string) string {
		p := filepath.Join(dir, flags)
		require.NoError(t, os.WriteFile(p, []byte("pos:\t0\nflags:\t"+flags+"\nmnt_id:\t26\n"), 0o644))
		return p
	}
	require.True(t, appending(write("0102001")), "O_WRONLY|O_APPEND|O_LARGEFILE")
	require.False(t, appending(write("0100001")), "O_WRONLY|O_LARGEFILE: a file truncated by the shell")
	require.False(t, appending(filepath.Join(dir, "missing")))
}

func TestImportPathOfThisPackage(t *testing.T) {
	t.Parallel()
	require.Equal(t, "github.com/hss-exporter/hss_exporter/internal/testtool", importPath())
}

// every is each tool of the package.
var every = []Tool{Promtool, Prometheus, Amtool, Alertmanager, Chromium, SystemdAnalyze, Helm, Kubectl, DockerCompose}

func TestEveryToolSaysHowToGetIt(t *testing.T) {
	t.Parallel()
	for _, tool := range every {
		require.NotEmpty(t, tool.how(), tool.Name)
		if tool.Debian == "" {
			require.NotEmpty(t, tool.NotInCI+tool.Install, "%s: CI must install it, or say what covers it", tool.Name)
		}
	}
}

// fakeM is a package's tests: one of them misses a tool.
type fakeM struct{ code int }

func (m fakeM) Run() int {
	Need(&recorder{name: "TestNeedsIt"}, absent)
	return m.code
}

func TestReportingPrintsThePackageLineAfterTheRun(t *testing.T) {
	lines := resetSkips(t)
	t.Setenv("CI", "")
	require.Equal(t, 3, Reporting(fakeM{code: 3}).Run(), "the tests' exit code is kept")
	require.Equal(t, []string{"skipped for want of hss-exporter-no-such-tool (TestNeedsIt); to run them: apt-get install no-such-package"}, *lines)
}

func TestNeedAllNamesEveryMissingTool(t *testing.T) {
	resetSkips(t)
	t.Setenv("CI", "")
	r := &recorder{name: "TestStack"}
	other := Tool{Name: "other-x", Debian: "other-package"}
	NeedAll(r, absent, Tool{Name: "sh", Debian: "dash"}, other)
	require.Equal(t, "not found: hss-exporter-no-such-tool (apt-get install no-such-package), other-x (apt-get install other-package); install them to run this test", r.skipped)
	require.Equal(t, "skipped for want of hss-exporter-no-such-tool (TestStack), other-x (TestStack); to run them: apt-get install no-such-package other-package", summary())
}

// TestInstallToolsInstallsEveryTool keeps .ci/install-tools, which CI and
// developers run, in step with the tools the tests ask for.
func TestInstallToolsInstallsEveryTool(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../.ci/install-tools")
	require.NoError(t, err)
	script := string(data)
	require.Contains(t, script, "HELM_VERSION="+HelmVersion+"\n")
	require.Contains(t, Helm.Install, HelmVersion)
	var packages string
	for _, line := range strings.Split(script, "\n") {
		if p, ok := strings.CutPrefix(line, "DEBIAN_PACKAGES=("); ok {
			packages = " " + strings.TrimSuffix(p, ")") + " "
		}
	}
	require.NotEmpty(t, packages, "DEBIAN_PACKAGES=(...) in .ci/install-tools")
	for _, tool := range every {
		if tool.Debian == "" {
			continue
		}
		require.Contains(t, packages, " "+tool.Debian+" ", "%s comes with Debian's %s", tool.Name, tool.Debian)
	}
}
