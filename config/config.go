// Package config loads and validates the hss_exporter configuration file.
package config

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"time"
)

// Config is the whole configuration file.
type Config struct {
	Global  Global   `yaml:"global"`
	Targets []Target `yaml:"targets"`
}

// Global holds the defaults for every target.
type Global struct {
	Settings `yaml:",inline"`
}

// Target is one HSS project in one region.
type Target struct {
	Name                string `yaml:"name"`
	Region              string `yaml:"region"`
	ProjectID           string `yaml:"project_id"`
	Endpoint            string `yaml:"endpoint"`
	EnterpriseProjectID string `yaml:"enterprise_project_id"`
	Auth                Auth   `yaml:"auth"`
	Images              Images `yaml:"images"`
	ContainerInfo       bool   `yaml:"container_info"`
	// Posture selects the node, event and quota reads (posture.go).
	Posture Posture `yaml:"posture"`

	// Settings resolved from Global where the target gives none.
	// (Targets may override any Global key under the same name.)
	Settings `yaml:",inline"`
}

// Auth holds exactly one authentication method. After Load, secrets are
// resolved from their *_file or the environment into the Secret fields,
// which are never marshalled or printed, and every *_file that was set
// holds an absolute path: the client reads those files again when they
// change (key rotation), while the environment is read once.
type Auth struct {
	AccessKey         string `yaml:"access_key"`
	AccessKeyFile     string `yaml:"access_key_file"`
	SecretKey         Secret `yaml:"secret_key"`
	SecretKeyFile     string `yaml:"secret_key_file"`
	SecurityToken     Secret `yaml:"security_token"`
	SecurityTokenFile string `yaml:"security_token_file"`
	IAM               *IAM   `yaml:"iam"`
	Metadata          bool   `yaml:"metadata"`
	MetadataEndpoint  string `yaml:"metadata_endpoint"` // default endpoint.Metadata
	OIDC              *OIDC  `yaml:"oidc"`

	// FromEnv is true when the file has no auth block and the credentials
	// came from the HUAWEICLOUD_SDK_* variables (worth a log line at start).
	FromEnv bool `yaml:"-"`
}

// IAM is password authentication for an IAM token.
type IAM struct {
	Endpoint     string `yaml:"endpoint"` // default endpoint.IAM(region)
	Domain       string `yaml:"domain"`
	Username     string `yaml:"username"`
	Password     Secret `yaml:"password"`
	PasswordFile string `yaml:"password_file"`
}

// OIDC is workload identity: an OpenID Connect ID token (on Kubernetes, a
// projected service account token) exchanged at IAM for temporary keys.
// The token itself is not kept: the client reads the file afresh for every
// exchange, as the kubelet rotates it.
type OIDC struct {
	IdpID       string `yaml:"idp_id"`        // the IAM identity provider, protocol OpenID Connect
	IDTokenFile string `yaml:"id_token_file"` // absolute after Load
	// Endpoint is the IAM endpoint; empty after Load when neither the file
	// nor HUAWEICLOUD_SDK_IAM_ENDPOINT gives one, which leaves the default
	// (IAM's global endpoint) to the client.
	Endpoint string `yaml:"endpoint"`
}

// Images selects which images a target lists containers for.
type Images struct {
	Discover  bool             `yaml:"discover"`
	Include   []string         `yaml:"include"`
	Exclude   []string         `yaml:"exclude"`
	Static    []StaticImage    `yaml:"static"`
	IncludeRE []*regexp.Regexp `yaml:"-"`
	ExcludeRE []*regexp.Regexp `yaml:"-"`
}

// StaticImage is a configured image, always queried: by name and version,
// by name alone (every version of it), or by digest.
type StaticImage struct {
	Name    string `yaml:"name"`
	Version string `yaml:"version"`
	Digest  string `yaml:"digest"`
}

// Secret is a string that never prints or marshals its value.
type Secret string

// String hides the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "<secret>"
}

// MarshalYAML hides the value.
func (s Secret) MarshalYAML() (interface{}, error) { return s.String(), nil }

// Limits applied by Load (the settings' defaults are DefaultSettings).
const (
	// MinRefreshInterval keeps a misconfigured exporter from hammering
	// the HSS API (which rate-limits per account).
	MinRefreshInterval = 10 * time.Second
	// MaxConcurrencyLimit caps max_concurrency: more in-flight requests
	// per target only earns 429s.
	MaxConcurrencyLimit = 64
)

// The environment variables Huawei Cloud's SDKs read, used when a target
// has no auth block (credentials) or no project_id.
const (
	EnvAccessKey     = "HUAWEICLOUD_SDK_AK"
	EnvSecretKey     = "HUAWEICLOUD_SDK_SK"
	EnvSecurityToken = "HUAWEICLOUD_SDK_SECURITY_TOKEN"
	EnvProjectID     = "HUAWEICLOUD_SDK_PROJECT_ID"
	EnvIdpID         = "HUAWEICLOUD_SDK_IDP_ID"
	EnvIDTokenFile   = "HUAWEICLOUD_SDK_ID_TOKEN_FILE"
	EnvIAMEndpoint   = "HUAWEICLOUD_SDK_IAM_ENDPOINT"
)

// Authentication methods, as returned by Auth.Method.
const (
	MethodAKSK     = "aksk"
	MethodIAM      = "iam"
	MethodMetadata = "metadata"
	MethodOIDC     = "oidc"
)

// Method names the authentication method after Load: "aksk" or "oidc"
// (from the file or the environment), "iam" or "metadata"; "" for an Auth
// that did not come from Load.
func (a Auth) Method() string {
	switch {
	case a.IAM != nil:
		return MethodIAM
	case a.Metadata:
		return MethodMetadata
	case a.OIDC != nil:
		return MethodOIDC
	case a.AccessKey != "":
		return MethodAKSK
	}
	return ""
}

// Identity names the user HSS counts this authentication's calls
// against: the access key, the IAM user, the ECS agency behind the
// metadata service, or the identity provider whose federated user the ID
// token maps to. Targets with one identity share one call budget.
func (a Auth) Identity() string {
	switch a.Method() {
	case MethodIAM:
		return "iam:" + a.IAM.Domain + "/" + a.IAM.Username
	case MethodMetadata:
		return "agency:" + a.MetadataEndpoint
	case MethodOIDC:
		return "oidc:" + a.OIDC.IdpID
	}
	return "ak:" + a.AccessKey
}

// Selects reports whether a discovered image is listed: it matches one
// of the include patterns (all images when there are none) and none of
// the exclude patterns. Patterns match anywhere in the name unless the
// user anchors them with ^ and $. It uses the patterns compiled by Load.
func (im Images) Selects(name string) bool {
	included := len(im.IncludeRE) == 0
	for _, re := range im.IncludeRE {
		if re.MatchString(name) {
			included = true
			break
		}
	}
	if !included {
		return false
	}
	for _, re := range im.ExcludeRE {
		if re.MatchString(name) {
			return false
		}
	}
	return true
}

// Format prints String for every verb, so %x, %d or %#v cannot show the
// value either.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

// String shows the IAM settings with the password hidden.
func (i IAM) String() string {
	return fmt.Sprintf("{Endpoint:%s Domain:%s Username:%s Password:%s PasswordFile:%s}",
		i.Endpoint, i.Domain, i.Username, i.Password, i.PasswordFile)
}

// Format prints String for every verb. Without it, a *IAM nested in a
// Config printed with %s or %d goes through fmt's bad-verb path, which
// skips Stringers and would dump the password.
func (i IAM) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, i.String()) }

// MarshalJSON hides the value.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalText hides the value from encoders that use it (logfmt, slog).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// LogValue hides the value from slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }
