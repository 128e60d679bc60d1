// Package testtool is the one place tests ask for a program the machine may
// lack (promtool, Prometheus, Chromium, helm, ...). Without it a test is
// skipped with the reason and the command that installs it; under CI=true
// it fails instead, unless CI cannot install that program (Kubernetes'
// kubectl, Docker's compose plugin), where a check in .ci/run covers the
// same ground. A package whose TestMain calls Main also prints one line
// naming what it skipped, which `go test ./...` shows even for a package
// that passes.
package testtool

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// Tool is a program some tests run.
type Tool struct {
	// Name is the command looked up on $PATH, unless Command is set; Paths
	// are tried first.
	Name    string
	Command string
	Paths   []string
	// Args, when set, is a cheap invocation that must succeed for the tool
	// to count as present (a docker without its compose plugin is absent).
	Args []string
	// Debian is the Debian package that brings it; Install is the command
	// for a tool Debian does not have.
	Debian  string
	Install string
	// NotInCI says why CI cannot install it and what covers its checks
	// there; such a tool is skipped under CI=true too.
	NotInCI string
}

// The tools the tests use. .ci/run installs every one without NotInCI.
var (
	Promtool       = Tool{Name: "promtool", Paths: []string{"/usr/bin/promtool"}, Debian: "prometheus"}
	Prometheus     = Tool{Name: "prometheus", Paths: []string{"/usr/bin/prometheus"}, Debian: "prometheus"}
	Amtool         = Tool{Name: "amtool", Paths: []string{"/usr/bin/amtool"}, Debian: "prometheus-alertmanager"}
	Alertmanager   = Tool{Name: "prometheus-alertmanager", Paths: []string{"/usr/bin/prometheus-alertmanager"}, Debian: "prometheus-alertmanager"}
	Chromium       = Tool{Name: "chromium", Paths: []string{"/usr/bin/chromium"}, Debian: "chromium"}
	SystemdAnalyze = Tool{Name: "systemd-analyze", Debian: "systemd"}
	Helm           = Tool{Name: "helm", Install: "go install helm.sh/helm/v3/cmd/helm@" + HelmVersion}
	Kubectl        = Tool{Name: "kubectl", Install: "kubectl from the Kubernetes apt repository (not in Debian)",
		NotInCI: "not in Debian; .ci/run renders the kustomizations with the kustomize library and decodes them strictly instead"}
	DockerCompose = Tool{Name: "docker compose", Command: "docker", Args: []string{"compose", "version"}, Install: "Docker's compose plugin (not in Debian)",
		NotInCI: "not in Debian; .ci/run validates the compose file with compose-go, the library docker compose uses"}
)

// HelmVersion is the helm release the chart is checked with; .ci/run
// builds the same one.
const HelmVersion = "v3.22.0"

// ciSet reports whether the tests run in CI, where a missing tool that CI
// installs is a failure rather than a skip.
func ciSet() bool { return os.Getenv("CI") != "" }

// find returns the tool's path, or "" when the machine lacks it.
func (tool Tool) find() string {
	path := ""
	for _, p := range tool.Paths {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			path = p
			break
		}
	}
	if path == "" {
		command := tool.Command
		if command == "" {
			command = tool.Name
		}
		p, err := exec.LookPath(command)
		if err != nil {
			return ""
		}
		path = p
	}
	if len(tool.Args) > 0 && exec.Command(path, tool.Args...).Run() != nil {
		return ""
	}
	return path
}

// how says how to get the tool.
func (tool Tool) how() string {
	if tool.Debian != "" {
		return "apt-get install " + tool.Debian
	}
	return tool.Install
}

// Need returns the tool's path. Without it the test is skipped with the
// reason and the install command, or fails under CI=true when CI can
// install the tool.
func Need(t testing.TB, tool Tool) string {
	t.Helper()
	if path := tool.find(); path != "" {
		return path
	}
	if missing(t, tool) {
		t.Skipf("%s not found: %s to run this test", tool.Name, tool.how())
	}
	return ""
}

// NeedAll is Need for a test that runs several tools: it names every one
// missing, so a single install brings them all.
func NeedAll(t testing.TB, tools ...Tool) {
	t.Helper()
	var absent []string
	for _, tool := range tools {
		if tool.find() != "" {
			continue
		}
		if !missing(t, tool) {
			return
		}
		absent = append(absent, fmt.Sprintf("%s (%s)", tool.Name, tool.how()))
	}
	if len(absent) > 0 {
		t.Skipf("not found: %s; install them to run this test", strings.Join(absent, ", "))
	}
}

// Optional returns the tool's path for a check that is one part of a
// larger test, so the rest of the test still runs without the tool. The
// missing check is logged and named in the package's line like a skip,
// and fails under CI=true as Need does.
func Optional(t testing.TB, tool Tool, check string) (string, bool) {
	t.Helper()
	if path := tool.find(); path != "" {
		return path, true
	}
	if missing(t, tool) {
		t.Logf("%s not run: %s not found (%s)", check, tool.Name, tool.how())
	}
	return "", false
}

// missing fails the test when CI should have installed the tool.
// Otherwise it records the miss for the package's line and returns true.
func missing(t testing.TB, tool Tool) bool {
	t.Helper()
	if ciSet() && tool.NotInCI == "" {
		t.Fatalf("%s not found and CI is set: %s (.ci/run does)", tool.Name, tool.how())
		return false
	}
	if ciSet() {
		t.Logf("%s not found; under CI this is expected: %s", tool.Name, tool.NotInCI)
	}
	record(t.Name(), tool)
	return true
}

// skips is what this test binary skipped for want of a tool.
var skips = struct {
	sync.Mutex
	tests map[string]map[string]bool // tool name -> top-level tests
	how   map[string]string          // tool name -> install command
	main  bool                       // Main runs, and prints the line at the end
}{tests: map[string]map[string]bool{}, how: map[string]string{}}

// hooks are where a miss is reported; this package's tests replace them.
var hooks = struct {
	announce func(line string)
	uncached func()
}{announce, keepUncached}

func record(test string, tool Tool) {
	test, _, _ = strings.Cut(test, "/")
	skips.Lock()
	defer skips.Unlock()
	first := skips.tests[tool.Name] == nil
	if first {
		skips.tests[tool.Name] = map[string]bool{}
		skips.how[tool.Name] = tool.how()
	}
	skips.tests[tool.Name][test] = true
	hooks.uncached()
	if first && !skips.main {
		// No Main to print the package's line at the end: say it now.
		hooks.announce(fmt.Sprintf("%s not found: %s skipped (and maybe more, see go test -v); %s",
			tool.Name, test, tool.how()))
	}
}

// summary is the package's line: every tool missed, the tests that needed
// it, and one install command for all of them.
func summary() string {
	skips.Lock()
	defer skips.Unlock()
	if len(skips.tests) == 0 {
		return ""
	}
	var parts, debian, other []string
	for _, name := range sortedKeys(skips.tests) {
		parts = append(parts, fmt.Sprintf("%s (%s)", name, strings.Join(sortedKeys(skips.tests[name]), ", ")))
		if how := skips.how[name]; strings.HasPrefix(how, "apt-get install ") {
			debian = appendNew(debian, strings.TrimPrefix(how, "apt-get install "))
		} else {
			other = appendNew(other, how)
		}
	}
	install := other
	if len(debian) > 0 {
		install = append([]string{"apt-get install " + strings.Join(debian, " ")}, other...)
	}
	return fmt.Sprintf("skipped for want of %s; to run them: %s",
		strings.Join(parts, ", "), strings.Join(install, "; "))
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// Artifact returns the path of name under the module's artifacts/
// directory, which CI keeps (screenshots), making the directory.
func Artifact(t testing.TB, name string) string {
	t.Helper()
	root := moduleRoot()
	if root == "" {
		t.Fatal("no go.mod above the working directory")
	}
	dir := filepath.Join(root, "artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}
