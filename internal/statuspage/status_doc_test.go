package statuspage

import (
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// jsonFields lists every JSON key a value of typ can carry, nested ones
// included.
func jsonFields(typ reflect.Type, into map[string]bool) {
	for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
		typ = typ.Elem()
	}
	if typ.Kind() != reflect.Struct || typ == reflect.TypeFor[time.Time]() {
		return
	}
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		into[name] = true
		jsonFields(f.Type, into)
	}
}

// Every field /api/v1/status can hold is named in the paragraph of
// docs/status.md on it: a field added to the report and not to the docs
// fails.
func TestDocsNameEveryStatusField(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../docs/status.md")
	require.NoError(t, err)
	const marker = "`/api/v1/status` is its machine-readable twin"
	start := strings.Index(string(data), marker)
	require.GreaterOrEqual(t, start, 0, "the paragraph of docs/status.md on /api/v1/status")
	paragraph, _, _ := strings.Cut(string(data)[start:], "\n\n")
	paragraph = strings.ReplaceAll(paragraph, "\n", " ")

	fields := map[string]bool{}
	jsonFields(reflect.TypeFor[StatusReport](), fields)
	var missing []string
	for name := range fields {
		if !strings.Contains(paragraph, "`"+name+"`") && !strings.Contains(paragraph, "`"+name+"[]`") {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	require.Greater(t, len(fields), 60)
	require.Empty(t, missing, "fields of /api/v1/status docs/status.md does not name")
}
