package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/hss-exporter/hss_exporter/internal/endpoint"
)

var (
	// nameRE keeps target names safe as a Prometheus label value and in
	// log lines and file names.
	nameRE      = regexp.MustCompile(`^[A-Za-z0-9_.:-]+$`)
	regionRE    = regexp.MustCompile(`^[a-z]{2}-[a-z]+-[0-9]+$`)
	projectIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	digestRE    = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)
)

const maxNameLen = 128

// exampleRegion is the region of the examples in messages.
const exampleRegion = "cn-north-4"

// validator checks decoded values and fills in what the file leaves out:
// defaults, values inherited from global, secrets from files or the
// environment.
type validator struct {
	*decoder
	baseDir string
	getenv  func(string) string
	// globalOK is false when a global duration is bad: targets inheriting
	// it are then not compared, which would only repeat the problem.
	globalOK bool
}

func (v *validator) config(c *Config) {
	g := &c.Global.Settings
	v.globalOK = v.checkSettings("global", g)
	v.inherit("global", g, DefaultSettings())
	if v.globalOK {
		v.crossCheck("global", g, true)
	}
	if len(c.Targets) == 0 && !v.bad["targets"] && v.at[""].Kind == yaml.MappingNode &&
		(v.at["targets"] == nil || len(v.at["targets"].Content) == 0) {
		n := v.at["targets"]
		if n == nil {
			n = v.at[""]
		}
		v.errorf(n, "targets", "at least one target is required")
	}
	names := map[string]*yaml.Node{}
	for i := range c.Targets {
		v.target(&c.Targets[i], v.targetPaths[i], *g, names)
	}
}

func (v *validator) target(t *Target, path string, g Settings, names map[string]*yaml.Node) {
	node := v.at[path]
	v.targetName(t.Name, path, node, names)
	switch {
	case v.set(path+".region") && !regionRE.MatchString(t.Region):
		v.errorf(v.at[path+".region"], path+".region",
			"%s is not a region ID; expected lowercase <geo>-<area>-<number>, e.g. cn-north-4 or ap-southeast-1",
			v.shown(v.at[path+".region"], path+".region"))
	case t.Region == "" && !v.bad[path+".region"]:
		v.errorf(node, path, "region is required, e.g. region: cn-north-4")
	}
	v.projectID(t, path, node)
	if v.set(path + ".endpoint") {
		t.Endpoint = v.url(t.Endpoint, path+".endpoint", endpoint.HSS(exampleRegion))
	}
	s := &t.Settings
	ok := v.checkSettings(path, s)
	v.inherit(path, s, g)
	if ok && v.globalOK {
		v.crossCheck(path, s, false)
	}
	v.auth(t, path)
	v.images(&t.Images, path)
	v.posture(&t.Posture, path)
}

func (v *validator) targetName(name, path string, node *yaml.Node, names map[string]*yaml.Node) {
	p := path + ".name"
	n := v.at[p]
	switch {
	case v.bad[p]:
	case name == "":
		v.errorf(node, path, "name is required; it becomes the target label of every series")
	case len(name) > maxNameLen:
		v.errorf(n, p, "is %d characters long; the limit is %d", len(name), maxNameLen)
	case !nameRE.MatchString(name):
		v.errorf(n, p, "%s may only hold letters, digits and _ . : -", v.shown(n, p))
	case names[name] != nil:
		v.errorf(n, p, "duplicate target name %s (first at line %d)", v.shown(n, p), names[name].Line)
	default:
		names[name] = n
	}
}

func (v *validator) projectID(t *Target, path string, node *yaml.Node) {
	p := path + ".project_id"
	if v.bad[p] {
		return
	}
	n := v.at[p]
	if t.ProjectID == "" {
		if t.ProjectID = v.getenv(EnvProjectID); t.ProjectID == "" {
			v.errorf(node, path, "project_id is required (or set %s); find it under My Credentials > API Credentials", EnvProjectID)
			return
		}
		n, p = node, p+" (from "+EnvProjectID+")"
	}
	if !projectIDRE.MatchString(t.ProjectID) {
		shown := quote(t.ProjectID) // from the environment: no secret
		if n != node {
			shown = v.shown(n, p)
		}
		v.errorf(n, p, "%s is not a project ID; expected letters, digits, - or _ (usually 32 hex digits)", shown)
	}
}

// url checks an endpoint and returns it without a trailing slash, so
// callers can append API paths. The value is not quoted in messages: a
// URL may carry credentials.
func (v *validator) url(s, path, example string) string {
	return v.urlAt(v.at[path], s, path, example)
}

// urlAt is url for a value that comes from elsewhere than key path (the
// environment), reported at node n.
func (v *validator) urlAt(n *yaml.Node, s, path, example string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		v.errorf(n, path, "must be an absolute http:// or https:// URL, e.g. %s", example)
	case u.User != nil:
		v.errorf(n, path, "must not contain a user name or password; use the auth block")
	case u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s, "?"):
		v.errorf(n, path, "must not have a query or fragment")
	}
	return strings.TrimRight(s, "/")
}

// fmtDur prints durations the way they are usually written in the file
// ("5m", not "5m0s").
func fmtDur(d time.Duration) string {
	if d > 0 && d%time.Millisecond == 0 {
		return model.Duration(d).String()
	}
	return d.String()
}

// staticImage checks one images.static entry and that it is not listed twice.
func (d *decoder) staticImage(s StaticImage, path string, seen map[string]*yaml.Node) {
	n := d.at[path]
	var key string
	switch {
	case s.Name != "" && s.Digest != "":
		d.errorf(n, path, "give name (and optional version) or digest, not both")
	case s.Digest != "":
		if !digestRE.MatchString(s.Digest) {
			d.errorf(d.at[path+".digest"], path+".digest",
				"%s is not an image digest; expected sha256:<64 lowercase hex digits>", d.shown(d.at[path+".digest"], path+".digest"))
		}
		key = s.Digest
	case s.Name != "":
		key = fmt.Sprintf("%s:%s", s.Name, s.Version)
	case s.Version != "":
		d.errorf(n, path, "version needs a name")
	default:
		if !d.bad[path] && !d.bad[path+".name"] && !d.bad[path+".digest"] {
			d.errorf(n, path, "needs name (and optional version) or digest")
		}
	}
	if key == "" {
		return
	}
	if first := seen[key]; first != nil {
		d.errorf(n, path, "image listed twice (first at line %d)", first.Line)
		return
	}
	seen[key] = n
}

// images checks that the target has something to list.
func (v *validator) images(im *Images, path string) {
	p := path + ".images"
	if im.Discover || len(im.Static) > 0 || v.bad[p] || v.bad[p+".static"] || v.bad[p+".discover"] {
		return
	}
	n := v.at[p]
	if n == nil {
		n = v.at[path]
	}
	v.errorf(n, p, "nothing to list: set images.discover: true, or list images under images.static")
}
