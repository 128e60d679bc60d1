package config

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestStructureProblems(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"unknown root key", "target:\n  - name: a\n",
			[]string{
				`line 1:1: unknown key "target" (known keys: global, targets)`,
				"line 1:1: targets: at least one target is required",
			}},
		{"unknown target key", withTarget("scrape_timeout: 10s"),
			[]string{`line 7:5: targets[0]: unknown key "scrape_timeout" (known keys: name, region, project_id, endpoint, enterprise_project_id, auth, images, container_info, posture, refresh_interval, request_timeout, page_size, max_concurrency, requests_per_second, api_calls_per_minute, max_staleness, clusters)`}},
		{"target not a mapping", "targets:\n  - prod\n",
			[]string{"line 2:5: targets[0]: expected a mapping of keys, got a string"}},
		{"syntax", "targets:\n  - name: a\n   region: b\n",
			[]string{"line 3: YAML syntax: did not find expected '-' indicator"}},
		{"tab indentation", "targets:\n\t- name: a\n",
			[]string{"line 2: YAML syntax: found character that cannot start any token"}},
		{"empty", "", []string{"the file is empty; at least one target is required"}},
		{"only null", "~\n", []string{"the file is empty; at least one target is required"}},
		{"unknown anchor", "targets: *nope\n",
			[]string{"line 1: YAML syntax: unknown anchor 'nope' referenced"}},
		{"unknown anchor later", "global: {}\ntargets:\n  - *nope\n",
			[]string{"line 3: YAML syntax: unknown anchor 'nope' referenced"}},
		// yaml.v3 prints no line for a problem on the first line; every
		// problem --config.check prints must still have one.
		{"syntax on the first line", "targets: a: b\n",
			[]string{"line 1: YAML syntax: mapping values are not allowed in this context"}},
		{"UTF-16 byte order mark", "\xff\xfe t\n",
			[]string{"line 1: YAML syntax: incomplete UTF-16 character"}},
		{"merge of a scalar", withTarget("<<: 5"),
			[]string{"line 7:9: targets[0]: a merge key (<<) takes a mapping or a list of mappings"}},
		{"merged bad value", "targets:\n  - &t {name: a, region: cn-north-4, project_id: p, auth: {metadata: true}, images: {discover: true}, page_size: 5}\n  - {<<: *t, name: b}\n",
			[]string{
				"line 2:114: targets[0].page_size: 5 is out of range 10..200",
				"line 2:114: targets[1].page_size: 5 is out of range 10..200",
			}},
		{"self-merging anchor", withTarget() + "  - &a {<<: *a, name: x, region: cn-north-4, project_id: p, auth: {metadata: true}, images: {discover: true}}\n",
			[]string{"line 7:5: targets[1]: merge keys (<<) nested too deeply, or an anchor merges itself"}},
		{"self-merging anchor", withTarget() + "  - &a {<<: *a, name: x, region: cn-north-4, project_id: p, auth: {metadata: true}, images: {discover: true}}\n",
			[]string{"line 7:5: targets[1]: merge keys (<<) nested too deeply, or an anchor merges itself"}},
		{"merge bomb", mergeBomb(), []string{"the document is too large, or its aliases expand too much"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			noEnv(t)
			start := time.Now()
			got := problems(t, tc.yaml, "")
			require.Less(t, time.Since(start), 2*time.Second)
			require.Equal(t, tc.want, got, "in:\n%s", tc.yaml)
		})
	}
}

// mergeBomb nests merge keys over lists of aliases: a few hundred bytes
// that would expand to 10^8 keys.
func mergeBomb() string {
	var b strings.Builder
	b.WriteString("targets:\n  - &a0 {name: x}\n")
	for i := 1; i <= maxMergeDepth; i++ {
		prev := "*a" + strconv.Itoa(i-1)
		fmt.Fprintf(&b, "  - &a%d {<<: [%s%s]}\n", i, strings.Repeat(prev+", ", 9), prev)
	}
	return b.String()
}

// The schema walk and the struct tags must name the same keys, so the
// yaml tags (used to marshal, and read by people) never drift from what
// the loader accepts.
func TestSchemaMatchesStructTags(t *testing.T) {
	t.Parallel()
	keys := func(fields []field) []string {
		var out []string
		for _, f := range fields {
			out = append(out, f.key)
		}
		sort.Strings(out)
		return out
	}
	var tagsOf func(typ reflect.Type) []string
	tagsOf = func(typ reflect.Type) []string {
		var out []string
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			switch tag := f.Tag.Get("yaml"); {
			case tag == ",inline":
				out = append(out, tagsOf(f.Type)...)
			case tag != "" && tag != "-":
				out = append(out, strings.Split(tag, ",")[0])
			}
		}
		return out
	}
	tags := func(v any) []string {
		out := tagsOf(reflect.TypeOf(v))
		sort.Strings(out)
		return out
	}
	var c Config
	var tg Target
	var a Auth
	var im Images
	require.Equal(t, tags(c), keys(rootFields(&c)))
	require.Equal(t, tags(c.Global), keys(settingsFields(&c.Global.Settings)))
	require.Equal(t, tags(tg), keys(targetFields(&tg)))
	require.Equal(t, tags(a), keys(authFields(&a)))
	require.Equal(t, tags(IAM{}), keys(iamFields(&IAM{})))
	require.Equal(t, tags(im), keys(imagesFields(&im)))
	require.Equal(t, tags(StaticImage{}), keys(staticFields(&StaticImage{})))
	require.Equal(t, tags(Posture{}), keys(postureFields(&Posture{})))
}
