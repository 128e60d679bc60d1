// Command vulndb builds a Go vulnerability database that govulncheck can
// read with -db file:///..., from the OSV files of the golang.org/x/vulndb
// module as the Go module proxy serves it.
//
// CI cannot reach vuln.go.dev, but it can reach the module proxy. The
// module's data/osv holds one OSV entry per vulnerability, the same entries
// vuln.go.dev serves. This program writes them in the layout of the
// documented v1 API (https://go.dev/security/vulndb/api):
//
//	index/db.json       {"modified": newest entry}
//	index/modules.json  [{"path", "vulns": [{"id", "modified"}]}]
//	ID/<id>.json        the entries themselves
//
// The optional "fixed" of modules.json is left out: govulncheck then reads
// every entry of a module and checks the version against its ranges, which
// is exact, only a little slower.
//
// Usage: go run . -version latest -cache DIR   (prints the database path)
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"time"
)

const modulePath = "golang.org/x/vulndb"

func main() {
	version := flag.String("version", "latest", "version of "+modulePath+" to build from (a proxy query such as latest)")
	cache := flag.String("cache", filepath.Join(os.TempDir(), "hss_exporter-vulndb"), "directory holding one database per version")
	flag.Parse()
	db, err := build(*version, *cache)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulndb:", err)
		os.Exit(1)
	}
	fmt.Println(db)
}

// build downloads the module through the go command (and so through
// GOPROXY and the module cache) and writes the database once per version.
func build(query, cache string) (string, error) {
	out, err := exec.Command("go", "mod", "download", "-json", modulePath+"@"+query).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("go mod download %s@%s: %w\n%s%s", modulePath, query, err, out, ee.Stderr)
		}
		return "", err
	}
	var mod struct{ Version, Dir, Error string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Error != "" || mod.Dir == "" {
		return "", fmt.Errorf("go mod download %s@%s: %v %s", modulePath, query, err, mod.Error)
	}
	dst := filepath.Join(cache, mod.Version)
	if _, err := os.Stat(filepath.Join(dst, "index", "modules.json")); err == nil {
		return dst, nil // written whole before, see write
	}
	entries, err := load(filepath.Join(mod.Dir, "data", "osv"))
	if err != nil {
		return "", err
	}
	fmt.Fprintf(os.Stderr, "vulndb: %s@%s: %d entries\n", modulePath, mod.Version, len(entries))
	return dst, write(entries, cache, dst)
}

// entry is the part of an OSV entry the index needs; raw is kept whole.
type entry struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Affected []struct {
		Package struct {
			Name string `json:"name"`
		} `json:"package"`
	} `json:"affected"`
	raw []byte
}

func load(dir string) ([]*entry, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no OSV entries in %s", dir)
	}
	entries := make([]*entry, 0, len(names))
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		e := &entry{raw: b}
		if err := json.Unmarshal(b, e); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if filepath.Base(name) != e.ID+".json" {
			return nil, fmt.Errorf("%s holds entry %q", name, e.ID)
		}
		entries = append(entries, e)
	}
	return entries, nil
}

type moduleVuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
}

type module struct {
	Path  string       `json:"path"`
	Vulns []moduleVuln `json:"vulns"`
}

// write builds the database in a temporary directory and renames it into
// place, so an interrupted run never leaves a half-written database that a
// later run would take for complete.
func write(entries []*entry, cache, dst string) error {
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(cache, ".build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, d := range []string{"index", "ID"} {
		if err := os.Mkdir(filepath.Join(tmp, d), 0o755); err != nil {
			return err
		}
	}
	var newest time.Time
	byPath := map[string]*module{}
	for _, e := range entries {
		if e.Modified.After(newest) {
			newest = e.Modified
		}
		for _, a := range e.Affected {
			m := byPath[a.Package.Name]
			if m == nil {
				m = &module{Path: a.Package.Name}
				byPath[m.Path] = m
			}
			if n := len(m.Vulns); n == 0 || m.Vulns[n-1].ID != e.ID {
				m.Vulns = append(m.Vulns, moduleVuln{ID: e.ID, Modified: e.Modified})
			}
		}
		if err := os.WriteFile(filepath.Join(tmp, "ID", e.ID+".json"), e.raw, 0o644); err != nil {
			return err
		}
	}
	modules := make([]*module, 0, len(byPath))
	for _, m := range byPath {
		modules = append(modules, m)
	}
	sort.Slice(modules, func(i, j int) bool { return modules[i].Path < modules[j].Path })
	if err := writeJSON(filepath.Join(tmp, "index", "modules.json"), modules); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(tmp, "index", "db.json"), map[string]time.Time{"modified": newest}); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		// A concurrent run may have won the race; its database is as good.
		if _, statErr := os.Stat(filepath.Join(dst, "index", "modules.json")); statErr != nil {
			return err
		}
	}
	return nil
}

func writeJSON(name string, v any) error {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		return err
	}
	return os.WriteFile(name, buf.Bytes(), 0o644)
}
