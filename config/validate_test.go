package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// withGlobal is a valid file whose global block holds lines (from line 2).
func withGlobal(lines ...string) string {
	return "global:\n  " + strings.Join(lines, "\n  ") + "\n" + withTarget()
}

// withTarget is a valid one-target file; lines are added to the target
// from line 7 on.
func withTarget(lines ...string) string {
	return bare(append([]string{
		"region: cn-north-4",                     // 3
		"project_id: p1",                         // 4
		"auth: {access_key: AK, secret_key: SK}", // 5
		"images: {discover: true}",               // 6
	}, lines...)...)
}

// bare is a one-target file holding only the name; lines follow from line 3.
func bare(lines ...string) string {
	return "targets:\n  - name: t1\n    " + strings.Join(lines, "\n    ") + "\n"
}

func TestBadValues(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		// Durations, globally and per target.
		{"refresh too short", withGlobal("refresh_interval: 9s"),
			[]string{"line 2:21: global.refresh_interval: 9s is too short; the minimum is 10s"}},
		{"duration without unit", withGlobal("refresh_interval: 300"),
			[]string{`line 2:21: global.refresh_interval: "300" is not a duration; use a number with a unit, e.g. 30s, 5m, 1h30m or 1d`}},
		{"duration as list", withGlobal("refresh_interval: [1m]"),
			[]string{"line 2:21: global.refresh_interval: expected a duration, got a list"}},
		{"zero timeout", withGlobal("request_timeout: 0s"),
			[]string{"line 2:20: global.request_timeout: must be longer than 0s, got 0s"}},
		{"negative timeout", withTarget("request_timeout: -1s"),
			[]string{"line 7:22: targets[0].request_timeout: must be longer than 0s, got -1s"}},
		{"timeout not below refresh", withGlobal("request_timeout: 5m"),
			[]string{"line 2:20: global.request_timeout: request_timeout (5m) must be shorter than refresh_interval (5m)"}},
		{"staleness below refresh", withGlobal("refresh_interval: 10m", "max_staleness: 5m"),
			[]string{"line 3:18: global.max_staleness: max_staleness (5m) must be at least refresh_interval (10m)"}},
		{"refresh above default staleness", withGlobal("refresh_interval: 1h"),
			[]string{"line 2:21: global.refresh_interval: max_staleness (30m) must be at least refresh_interval (1h)"}},
		{"target refresh above global staleness", withTarget("refresh_interval: 1h"),
			[]string{"line 7:23: targets[0].refresh_interval: max_staleness (30m) must be at least refresh_interval (1h)"}},
		{"target staleness zero", withTarget("max_staleness: 0s"),
			[]string{"line 7:20: targets[0].max_staleness: must be longer than 0s, got 0s"}},
		// Sizes and rates.
		{"page size low", withGlobal("page_size: 9"),
			[]string{"line 2:14: global.page_size: 9 is out of range 10..200"}},
		{"page size high", withTarget("page_size: 500"),
			[]string{"line 7:16: targets[0].page_size: 500 is out of range 10..200"}},
		{"page size float", withTarget("page_size: 1.5"),
			[]string{`line 7:16: targets[0].page_size: expected an integer, got "1.5"`}},
		{"concurrency zero", withGlobal("max_concurrency: 0"),
			[]string{"line 2:20: global.max_concurrency: 0 is out of range 1..64"}},
		{"concurrency high", withTarget("max_concurrency: 65"),
			[]string{"line 7:22: targets[0].max_concurrency: 65 is out of range 1..64"}},
		{"rate zero", withGlobal("requests_per_second: 0"),
			[]string{"line 2:24: global.requests_per_second: must be greater than 0, got 0"}},
		{"rate negative", withTarget("requests_per_second: -0.5"),
			[]string{"line 7:26: targets[0].requests_per_second: must be greater than 0, got -0.5"}},
		{"rate infinite", withTarget("requests_per_second: .inf"),
			[]string{`line 7:26: targets[0].requests_per_second: expected a finite number, got ".inf"`}},
		{"call budget zero", withGlobal("api_calls_per_minute: 0"),
			[]string{"line 2:25: global.api_calls_per_minute: must be greater than 0 (calls of each HSS API a minute; HSS documents 5), got 0"}},
		{"call budget negative", withTarget("api_calls_per_minute: -5"),
			[]string{"line 7:27: targets[0].api_calls_per_minute: must be greater than 0 (calls of each HSS API a minute; HSS documents 5), got -5"}},
		{"call budget text", withTarget("api_calls_per_minute: lots"),
			[]string{`line 7:27: targets[0].api_calls_per_minute: expected a finite number, got "lots"`}},
		{"rate text", withGlobal("requests_per_second: fast"),
			[]string{`line 2:24: global.requests_per_second: expected a finite number, got "fast"`}},
		{"container_info not bool", withTarget("container_info: maybe"),
			[]string{`line 7:21: targets[0].container_info: expected true or false, got "maybe"`}},
		// Target identity.
		{"name missing", "targets:\n  - region: cn-north-4\n    project_id: p\n    auth: {metadata: true}\n    images: {discover: true}\n",
			[]string{"line 2:5: targets[0]: name is required; it becomes the target label of every series"}},
		{"name with space", strings.Replace(withTarget(), "name: t1", `name: "a b"`, 1),
			[]string{`line 2:11: targets[0].name: "a b" may only hold letters, digits and _ . : -`}},
		{"name too long", strings.Replace(withTarget(), "name: t1", "name: "+strings.Repeat("x", 129), 1),
			[]string{"line 2:11: targets[0].name: is 129 characters long; the limit is 128"}},
		{"region shape", bare("region: cn_north_4", "project_id: p", "auth: {metadata: true}", "images: {discover: true}"),
			[]string{`line 3:13: targets[0].region: "cn_north_4" is not a region ID; expected lowercase <geo>-<area>-<number>, e.g. cn-north-4 or ap-southeast-1`}},
		{"region missing", bare("project_id: p", "auth: {metadata: true}", "images: {discover: true}"),
			[]string{"line 2:5: targets[0]: region is required, e.g. region: cn-north-4"}},
		{"project missing", bare("region: cn-north-4", "auth: {metadata: true}", "images: {discover: true}"),
			[]string{"line 2:5: targets[0]: project_id is required (or set HUAWEICLOUD_SDK_PROJECT_ID); find it under My Credentials > API Credentials"}},
		{"project shape", bare("region: cn-north-4", "project_id: a/b", "auth: {metadata: true}", "images: {discover: true}"),
			[]string{`line 4:17: targets[0].project_id: "a/b" is not a project ID; expected letters, digits, - or _ (usually 32 hex digits)`}},
		{"endpoint without scheme", withTarget("endpoint: hss.cn-north-4.myhuaweicloud.com"),
			[]string{"line 7:15: targets[0].endpoint: must be an absolute http:// or https:// URL, e.g. https://hss.cn-north-4.myhuaweicloud.com"}},
		{"endpoint with credentials", withTarget("endpoint: https://user:hunter2@hss.example"),
			[]string{"line 7:15: targets[0].endpoint: must not contain a user name or password; use the auth block"}},
		{"endpoint with query", withTarget("endpoint: https://hss.example/?a=1"),
			[]string{"line 7:15: targets[0].endpoint: must not have a query or fragment"}},
		{"eps as list", withTarget("enterprise_project_id: [a]"),
			[]string{"line 7:28: targets[0].enterprise_project_id: expected a string, got a list"}},
		// Structure.
		{"no targets key", "global: {page_size: 20}\n",
			[]string{"line 1:1: targets: at least one target is required"}},
		{"targets a mapping", "targets: {name: a}\n",
			[]string{"line 1:10: targets: expected a list, got a mapping"}},
		{"empty target item", withTarget() + "  -\n",
			[]string{"line 7:4: targets[1]: empty list item"}},
		{"root a list", "- a\n",
			[]string{"line 1:1: expected a mapping of keys, got a list"}},
		{"second document", withTarget() + "---\nglobal: {}\n",
			[]string{"line 7:1: only one YAML document is allowed (found a second one)"}},
		{"duplicate key", withTarget("region: cn-east-3"),
			[]string{"line 7:5: targets[0].region: duplicate key (first at line 3)"}},
		{"duplicate name", withTarget() + strings.TrimPrefix(withTarget(), "targets:\n"),
			[]string{`line 7:11: targets[1].name: duplicate target name "t1" (first at line 2)`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			noEnv(t)
			require.Equal(t, tc.want, problems(t, tc.yaml, t.TempDir()), "in:\n%s", tc.yaml)
		})
	}
}
