package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// documentationFiles are the Markdown files whose links are checked: the
// README, everything in docs/, and the Helm chart's README.
func documentationFiles(t *testing.T) []string {
	t.Helper()
	docs, err := filepath.Glob("docs/*.md")
	require.NoError(t, err)
	require.NotEmpty(t, docs)
	return append([]string{"README.md", "deploy/helm/hss-exporter/README.md"}, docs...)
}

// Every relative link in the documentation reaches a file or directory of
// the repository, and every #anchor a heading of the file it names.
func TestEveryRelativeLinkAndAnchorInTheDocsResolves(t *testing.T) {
	t.Parallel()
	checked := 0
	for _, file := range documentationFiles(t) {
		text, err := os.ReadFile(file)
		require.NoError(t, err)
		for _, link := range markdownLinks(string(text)) {
			if strings.Contains(link, "://") || strings.HasPrefix(link, "mailto:") {
				continue
			}
			target, anchor, _ := strings.Cut(link, "#")
			path := file
			if target != "" {
				path = filepath.Join(filepath.Dir(file), target)
				_, err := os.Stat(path)
				require.NoError(t, err, "%s links to %s, which does not exist", file, link)
			}
			if anchor != "" {
				require.True(t, strings.HasSuffix(path, ".md"), "%s links to an anchor in %s, which is not Markdown", file, link)
				require.Contains(t, headingAnchors(t, path), anchor, "%s links to %s: no such heading", file, link)
			}
			checked++
		}
	}
	require.Greater(t, checked, 40, "the documentation links to the repository and within itself")
}

var (
	fenceRE      = regexp.MustCompile("(?ms)^```.*?^```[^\n]*$")
	codeSpanRE   = regexp.MustCompile("`[^`\n]*`")
	inlineLinkRE = regexp.MustCompile(`\[[^\]]*\]\(([^)\s]+)\)`)
	headingRE    = regexp.MustCompile(`(?m)^#{1,6} +(.+?) *#*$`)
	notSlugRE    = regexp.MustCompile(`[^\p{L}\p{N} _-]`)
)

// prose is the Markdown text outside fenced code blocks, where a # line
// is a comment and brackets are code, not headings and links.
func prose(markdown string) string {
	return fenceRE.ReplaceAllString(markdown, "")
}

// markdownLinks returns the targets of the inline links of markdown.
func markdownLinks(markdown string) []string {
	var links []string
	for _, m := range inlineLinkRE.FindAllStringSubmatch(codeSpanRE.ReplaceAllString(prose(markdown), "``"), -1) {
		links = append(links, m[1])
	}
	return links
}

// headingAnchors returns the anchors GitHub gives the headings of a
// Markdown file: lower case, punctuation dropped, spaces as hyphens, and
// -1, -2 ... after a repeated one.
func headingAnchors(t *testing.T, path string) []string {
	t.Helper()
	text, err := os.ReadFile(path)
	require.NoError(t, err)
	seen := map[string]int{}
	var anchors []string
	for _, m := range headingRE.FindAllStringSubmatch(prose(string(text)), -1) {
		title := inlineLinkRE.ReplaceAllStringFunc(m[1], func(l string) string { return l[1:strings.Index(l, "](")] })
		slug := strings.ReplaceAll(notSlugRE.ReplaceAllString(strings.ToLower(title), ""), " ", "-")
		if n := seen[slug]; n > 0 {
			anchors = append(anchors, slug+"-"+strconv.Itoa(n))
		} else {
			anchors = append(anchors, slug)
		}
		seen[slug]++
	}
	return anchors
}
