package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hss-exporter/hss_exporter/internal/boundedfile"
)

// MaxFileSize bounds the configuration file (and --web.config.file): a
// real one is a few KiB, even with a thousand static images.
const MaxFileSize = 10 << 20

// Load reads, validates and resolves the configuration file at path.
// Relative *_file paths are taken from the file's directory. A problem
// with the content is reported as *Errors listing every problem with its
// line. A file that cannot be read, or is no regular file of at most
// MaxFileSize (a device, a FIFO, a log), gives one line naming the path
// and why; nothing of such a file is read, and opening it never blocks.
func Load(path string) (*Config, error) {
	data, _, err := boundedfile.Read(path, MaxFileSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return parse(data, filepath.Dir(path), path)
}

// Parse validates and resolves a configuration held in memory. Relative
// *_file paths are taken from baseDir. Problems are reported as *Errors,
// located by line and column only (there is no file name).
func Parse(data []byte, baseDir string) (*Config, error) {
	return parse(data, baseDir, "")
}

func parse(data []byte, baseDir, file string) (cfg *Config, err error) {
	errs := &Errors{}
	defer func() {
		// Defence in depth: a panic deep in the YAML library must not take
		// the exporter down with a stack trace that may quote the file.
		// The value is not printed for the same reason.
		if r := recover(); r != nil {
			errs.add(file, 0, 0, "", "the file could not be parsed (internal error in the YAML parser)")
			cfg, err = nil, errs
		}
	}()
	d := &decoder{file: file, errs: errs, budget: nodeBudget,
		at: map[string]*yaml.Node{}, bad: map[string]bool{}}
	cfg = &Config{}
	root := d.document(data)
	if root != nil {
		d.at[""] = root
		d.markSecrets(root)
		d.mapping(root, "", rootFields(cfg))
	}
	switch {
	case d.budget < 0:
		errs.add(file, 0, 0, "", "the document is too large, or its aliases expand too much")
	case root != nil:
		// Validate even after decoding problems, so one run lists them all.
		v := &validator{decoder: d, baseDir: baseDir, getenv: getenv}
		v.config(cfg)
	}
	if len(errs.List) > 0 {
		d.scrub()
		errs.sort()
		return nil, errs
	}
	return cfg, nil
}

// getenv drops surrounding whitespace: a value pasted from a file often
// ends in a newline.
func getenv(name string) string { return strings.TrimSpace(os.Getenv(name)) }

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// document parses exactly one YAML document and returns its root node,
// or nil (with an error recorded) when there is nothing to walk.
func (d *decoder) document(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.errorf(nil, "", "the file is empty; at least one target is required")
		} else {
			d.syntaxError(data, err)
		}
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		d.errorf(&next, "", "only one YAML document is allowed (found a second one)")
		return nil
	case !errors.Is(err, io.EOF):
		d.syntaxError(data, err)
		return nil
	}
	if len(doc.Content) == 0 {
		d.errorf(nil, "", "the file is empty; at least one target is required")
		return nil
	}
	root := d.resolve(doc.Content[0])
	if root == nil {
		d.errorf(nil, "", "the file is empty; at least one target is required")
	}
	return root
}

// syntaxError turns yaml.v3's "yaml: line N: msg" into a located Error.
// These messages describe the syntax, never quote a value.
func (d *decoder) syntaxError(data []byte, err error) {
	line, msg := yamlProblem(err)
	d.errs.add(d.file, syntaxLine(data, line, msg), 0, "", "YAML syntax: %s", msg)
}

// yamlProblem splits yaml.v3's error into its line and message. yaml.v3
// leaves the line out when the problem is on the first line (it counts
// from 0 and prints only a non-zero line), so that case is line 1: every
// problem in --config.check carries a line.
func yamlProblem(err error) (int, string) {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return line, m[2]
	}
	return 1, strings.TrimPrefix(msg, "yaml: ")
}

// maxScanLines bounds the search in syntaxLine to small files.
const maxScanLines = 2000

// syntaxLine finds the line a syntax error is on. For parser errors
// yaml.v3 reports where the enclosing block starts, counted from 0, which
// points at the line before the block rather than at the mistake. The
// first prefix of the file that fails with the same message ends on the
// offending line. Falls back to yaml.v3's number.
func syntaxLine(data []byte, reported int, msg string) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) > maxScanLines {
		return reported
	}
	end := 0
	for i := 0; i < reported-1 && i < len(lines); i++ {
		end += len(lines[i])
	}
	for i := max(reported-1, 0); i < len(lines); i++ {
		end += len(lines[i])
		var n yaml.Node
		if err := yaml.Unmarshal(data[:end], &n); err != nil {
			if _, m := yamlProblem(err); m == msg {
				return i + 1
			}
		}
	}
	return reported
}

// mapField is a key whose value is a nested mapping.
func mapField(key string, fields func() []field) field {
	return field{key, func(d *decoder, n *yaml.Node, path string) {
		d.at[path] = n
		d.mapping(n, path, fields())
	}}
}

func rootFields(c *Config) []field {
	return []field{
		mapField("global", func() []field { return settingsFields(&c.Global.Settings) }),
		{"targets", func(d *decoder, n *yaml.Node, path string) {
			d.seq(n, path, func(item *yaml.Node, p string) {
				if item.Kind != yaml.MappingNode {
					// Reported once here, rather than as every missing key.
					d.errorf(item, p, "expected a mapping of keys, got %s", kindName(item))
					return
				}
				c.Targets = append(c.Targets, Target{})
				t := &c.Targets[len(c.Targets)-1]
				d.at[p], d.targetPaths = item, append(d.targetPaths, p)
				d.mapping(item, p, targetFields(t))
			})
		}},
	}
}

func targetFields(t *Target) []field {
	fields := []field{
		strField("name", &t.Name),
		strField("region", &t.Region),
		strField("project_id", &t.ProjectID),
		strField("endpoint", &t.Endpoint),
		strField("enterprise_project_id", &t.EnterpriseProjectID),
		mapField("auth", func() []field { return authFields(&t.Auth) }),
		mapField("images", func() []field { return imagesFields(&t.Images) }),
		boolField("container_info", &t.ContainerInfo),
		mapField("posture", func() []field { return postureFields(&t.Posture) }),
	}
	return append(fields, settingsFields(&t.Settings)...)
}

func authFields(a *Auth) []field {
	return []field{
		strField("access_key", &a.AccessKey),
		strField("access_key_file", &a.AccessKeyFile),
		secretField("secret_key", &a.SecretKey),
		strField("secret_key_file", &a.SecretKeyFile),
		secretField("security_token", &a.SecurityToken),
		strField("security_token_file", &a.SecurityTokenFile),
		mapField("iam", func() []field {
			a.IAM = &IAM{}
			return iamFields(a.IAM)
		}),
		boolField("metadata", &a.Metadata),
		strField("metadata_endpoint", &a.MetadataEndpoint),
		mapField("oidc", func() []field {
			a.OIDC = &OIDC{}
			return oidcFields(a.OIDC)
		}),
	}
}

func oidcFields(o *OIDC) []field {
	return []field{
		strField("idp_id", &o.IdpID),
		strField("id_token_file", &o.IDTokenFile),
		strField("endpoint", &o.Endpoint),
	}
}

func iamFields(i *IAM) []field {
	return []field{
		strField("endpoint", &i.Endpoint),
		strField("domain", &i.Domain),
		strField("username", &i.Username),
		secretField("password", &i.Password),
		strField("password_file", &i.PasswordFile),
	}
}

func imagesFields(im *Images) []field {
	return []field{
		boolField("discover", &im.Discover),
		regexpsField("include", &im.Include, &im.IncludeRE),
		regexpsField("exclude", &im.Exclude, &im.ExcludeRE),
		{"static", func(d *decoder, n *yaml.Node, path string) {
			seen := map[string]*yaml.Node{}
			d.seq(n, path, func(item *yaml.Node, p string) {
				im.Static = append(im.Static, StaticImage{})
				s := &im.Static[len(im.Static)-1]
				d.at[p] = item
				d.mapping(item, p, staticFields(s))
				d.staticImage(*s, p, seen)
			})
		}},
	}
}

func staticFields(s *StaticImage) []field {
	return []field{
		strField("name", &s.Name),
		strField("version", &s.Version),
		strField("digest", &s.Digest),
	}
}

// regexpsField compiles each pattern where it is read, so a bad one is
// reported at its own line.
func regexpsField(key string, src *[]string, dst *[]*regexp.Regexp) field {
	return field{key, func(d *decoder, n *yaml.Node, path string) {
		d.seq(n, path, func(item *yaml.Node, p string) {
			if !d.scalar(item, p, "a regular expression") {
				return
			}
			re, err := regexp.Compile(item.Value)
			if err != nil {
				msg := strings.TrimPrefix(err.Error(), "error parsing regexp: ")
				d.errorf(item, p, "invalid regular expression (RE2 syntax): %s", msg)
				return
			}
			*src, *dst, d.at[p] = append(*src, item.Value), append(*dst, re), item
		})
	}}
}
