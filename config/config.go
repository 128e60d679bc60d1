// Package config loads and validates the hss_exporter configuration file.
package config

import (
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
	RefreshInterval   time.Duration `yaml:"refresh_interval"`    // default 5m
	RequestTimeout    time.Duration `yaml:"request_timeout"`     // default 30s
	PageSize          int           `yaml:"page_size"`           // default 200 (10..200)
	MaxConcurrency    int           `yaml:"max_concurrency"`     // default 4
	RequestsPerSecond float64       `yaml:"requests_per_second"` // default 5
	MaxStaleness      time.Duration `yaml:"max_staleness"`       // default 30m
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

	// Settings resolved from Global where the target gives none.
	// (Targets may override any Global key under the same name.)
	RefreshInterval   time.Duration `yaml:"refresh_interval"`
	RequestTimeout    time.Duration `yaml:"request_timeout"`
	PageSize          int           `yaml:"page_size"`
	MaxConcurrency    int           `yaml:"max_concurrency"`
	RequestsPerSecond float64       `yaml:"requests_per_second"`
	MaxStaleness      time.Duration `yaml:"max_staleness"`
}

// Auth holds exactly one authentication method. After Load, secrets are
// resolved from their *_file or the environment into the Secret fields,
// which are never marshalled or printed.
type Auth struct {
	AccessKey         string `yaml:"access_key"`
	SecretKey         Secret `yaml:"secret_key"`
	SecretKeyFile     string `yaml:"secret_key_file"`
	SecurityToken     Secret `yaml:"security_token"`
	SecurityTokenFile string `yaml:"security_token_file"`
	IAM               *IAM   `yaml:"iam"`
	Metadata          bool   `yaml:"metadata"`
	MetadataEndpoint  string `yaml:"metadata_endpoint"` // default http://169.254.169.254
}

// IAM is password authentication for an IAM token.
type IAM struct {
	Endpoint     string `yaml:"endpoint"` // default https://iam.<region>.myhuaweicloud.com
	Domain       string `yaml:"domain"`
	Username     string `yaml:"username"`
	Password     Secret `yaml:"password"`
	PasswordFile string `yaml:"password_file"`
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
// or by digest.
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
