package config

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// schemaKeys lists every key the configuration accepts, read from the yaml
// tags of the config structs: for each struct field, the key paths where
// it may be written (a Settings field is a key of global and of every
// target; the example need show it once). List items are written "[]".
func schemaKeys() map[string][]string {
	keys := map[string][]string{}
	var walk func(typ reflect.Type, path string)
	walk = func(typ reflect.Type, path string) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			ft := f.Type
			if opts == "inline" {
				walk(ft, path)
				continue
			}
			keyPath := join(path, name)
			id := typ.Name() + "." + f.Name
			keys[id] = append(keys[id], keyPath)
			for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
				if ft.Kind() == reflect.Slice {
					keyPath += "[]"
				}
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && ft.PkgPath() == typ.PkgPath() {
				walk(ft, keyPath)
			}
		}
	}
	walk(reflect.TypeFor[Config](), "")
	return keys
}

// commentedKey is a line of the example that shows a key commented out,
// such as "      # iam:" or "    # refresh_interval: 10m".
var commentedKey = regexp.MustCompile(`^(\s*)# (\s*(- )?[a-z_]+:(\s.*)?)$`)

// exampleKeys is every key path the example writes, commented out or not.
func exampleKeys(t *testing.T, text string) map[string]bool {
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		if m := commentedKey.FindStringSubmatch(line); m != nil {
			line = m[1] + m[2]
		}
		lines = append(lines, line)
	}
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(strings.Join(lines, "\n")), &doc),
		"the example with its commented keys uncommented must still be YAML")
	found := map[string]bool{}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			walk(n.Content[0], path)
		case yaml.SequenceNode:
			for _, item := range n.Content {
				walk(item, path+"[]")
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				keyPath := join(path, n.Content[i].Value)
				found[keyPath] = true
				walk(n.Content[i+1], keyPath)
			}
		}
	}
	walk(&doc, "")
	return found
}

// The example says it shows every key: a key added to the config structs
// and not to the example fails here, and so does a key the example shows
// that the configuration does not accept.
func TestExampleShowsEveryKey(t *testing.T) {
	t.Parallel()
	found := exampleKeys(t, Example())
	accepted := map[string]bool{}
	var missing []string
	for _, paths := range schemaKeys() {
		shown := false
		for _, p := range paths {
			accepted[p] = true
			shown = shown || found[p]
		}
		if !shown {
			missing = append(missing, strings.Join(paths, " or "))
		}
	}
	var unknown []string
	for p := range found {
		if !accepted[p] {
			unknown = append(unknown, p)
		}
	}
	sort.Strings(missing)
	sort.Strings(unknown)
	require.Empty(t, missing, "keys the configuration accepts that config/example.yml does not show")
	require.Empty(t, unknown, "keys config/example.yml shows that the configuration does not accept")
}

// repoPath is a relative path such as deploy/kubernetes-oidc/ in the
// example's comments; absolute paths, URLs and image names do not match
// or are told apart by their first part, which must be a directory of the
// repository.
var repoPath = regexp.MustCompile(`(^|[\s(])([A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+/?)`)

// Every path of the repository the example names exists, so a newcomer
// following a comment finds the file.
func TestExampleNamesExistingPaths(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	var named []string
	for _, m := range repoPath.FindAllStringSubmatch(Example(), -1) {
		path := m[2]
		first, _, _ := strings.Cut(path, "/")
		if st, err := os.Stat(filepath.Join(root, first)); err != nil || !st.IsDir() {
			continue // not a path of the repository: an image name, a host
		}
		named = append(named, path)
		_, err := os.Stat(filepath.Join(root, strings.TrimRight(path, "./")))
		require.NoError(t, err, "config/example.yml names %s", path)
	}
	require.NotEmpty(t, named, "the example points at the repository's deploy files")
}
