package config

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const digest = "sha256:3b5c6e1f0a9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b"

// withImages is a valid one-target file whose images block holds lines
// (from line 7 on).
func withImages(lines ...string) string {
	return bare("region: cn-north-4", "project_id: p1", "auth: {metadata: true}",
		"images:\n      "+strings.Join(lines, "\n      "))
}

func TestSelects(t *testing.T) {
	t.Parallel()
	compile := func(res ...string) []*regexp.Regexp {
		out := make([]*regexp.Regexp, len(res))
		for i, re := range res {
			out[i] = regexp.MustCompile(re)
		}
		return out
	}
	for _, tc := range []struct {
		name             string
		include, exclude []string
		selected, not    []string
	}{
		{"everything by default", nil, nil, []string{"nginx", "swr.x/app", ""}, nil},
		{"unanchored patterns match anywhere", []string{`swr\.`}, nil,
			[]string{"swr.cn-north-4/app", "my-swr.mirror/app"}, []string{"nginx", "swr-x/app"}},
		{"anchored as written", []string{`^nginx$`, `^redis`}, nil,
			[]string{"nginx", "redis-stack"}, []string{"my-nginx", "nginx-debug"}},
		{"exclude wins over include", []string{`^swr\.`}, []string{`-debug$`, `/test/`},
			[]string{"swr.x/app"}, []string{"swr.x/app-debug", "swr.x/test/app", "nginx"}},
		{"exclude only", nil, []string{`^busybox$`}, []string{"nginx", "busybox2"}, []string{"busybox"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			im := Images{IncludeRE: compile(tc.include...), ExcludeRE: compile(tc.exclude...)}
			for _, n := range tc.selected {
				require.True(t, im.Selects(n), n)
			}
			for _, n := range tc.not {
				require.False(t, im.Selects(n), n)
			}
		})
	}
}

func TestImagesLoaded(t *testing.T) {
	noEnv(t)
	cfg, err := Parse([]byte(withImages("discover: true", `include: ['^swr\.', '(?i)^NGINX$']`,
		"exclude: ['-debug$']", "static: [{name: nginx, version: 1.25.3}, {digest: '"+digest+"'}]")), "")
	require.NoError(t, err)
	im := cfg.Targets[0].Images
	require.Equal(t, []string{`^swr\.`, `(?i)^NGINX$`}, im.Include)
	require.Len(t, im.IncludeRE, 2)
	require.Len(t, im.ExcludeRE, 1)
	require.True(t, im.Selects("nginx"))
	require.False(t, im.Selects("swr.x/a-debug"))
	require.Equal(t, []StaticImage{{Name: "nginx", Version: "1.25.3"}, {Digest: digest}}, im.Static)
}

func TestBadImages(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"nothing to list", withImages("discover: false"),
			[]string{"line 7:7: targets[0].images: nothing to list: set images.discover: true, or list images under images.static"}},
		{"no images block", bare("region: cn-north-4", "project_id: p1", "auth: {metadata: true}"),
			[]string{"line 2:5: targets[0].images: nothing to list: set images.discover: true, or list images under images.static"}},
		{"bad include", withImages("discover: true", "include: ['^ok', '(unclosed']"),
			[]string{"line 8:24: targets[0].images.include[1]: invalid regular expression (RE2 syntax): missing closing ): `(unclosed`"}},
		{"perl-only syntax", withImages("discover: true", `exclude: ['^(?!nginx)']`),
			[]string{"line 8:17: targets[0].images.exclude[0]: invalid regular expression (RE2 syntax): invalid or unsupported Perl syntax: `(?!`"}},
		{"include not a list", withImages("discover: true", "include: '^swr'"),
			[]string{"line 8:16: targets[0].images.include: expected a list, got a string"}},
		{"discover not bool", withImages("discover: all"),
			[]string{`line 7:17: targets[0].images.discover: expected true or false, got "all"`}},
		{"static empty entry", withImages("static: [{}]"),
			[]string{"line 7:16: targets[0].images.static[0]: needs name (and optional version) or digest"}},
		{"static version alone", withImages("static: [{version: '1'}]"),
			[]string{"line 7:16: targets[0].images.static[0]: version needs a name"}},
		{"static name and digest", withImages("static: [{name: a, digest: '" + digest + "'}]"),
			[]string{"line 7:16: targets[0].images.static[0]: give name (and optional version) or digest, not both"}},
		{"static digest upper case", withImages("static: [{digest: '" + strings.ToUpper(digest) + "'}]"),
			[]string{`line 7:25: targets[0].images.static[0].digest: "SHA256:3B5C6E1F0A9D8C7B6A5F4E3D2C1B0A9F8E7D6C5B4A3F2E1D0C9B8A7F6..." is not an image digest; expected sha256:<64 lowercase hex digits>`}},
		{"static listed twice", withImages("static:", "  - {name: nginx, version: '1.25'}", "  - {name: nginx, version: '1.25'}"),
			[]string{"line 9:11: targets[0].images.static[1]: image listed twice (first at line 8)"}},
		{"static unknown key", withImages("static: [{name: a, tag: b}]"),
			[]string{`line 7:26: targets[0].images.static[0]: unknown key "tag" (known keys: name, version, digest)`}},
		{"unknown images key", withImages("discover: true", "discovery: true"),
			[]string{`line 8:7: targets[0].images: unknown key "discovery" (known keys: discover, include, exclude, static)`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			noEnv(t)
			require.Equal(t, tc.want, problems(t, tc.yaml, ""), "in:\n%s", tc.yaml)
		})
	}
}
