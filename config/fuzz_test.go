package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hss-exporter/hss_exporter/hssclient"
)

// FuzzParse checks that no input makes Parse panic or hang, and that what
// it accepts is really valid. Seeds: the example, the test files, and
// the corpus under testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, k := range []string{EnvAccessKey, EnvSecretKey, EnvSecurityToken, EnvProjectID, EnvIdpID, EnvIDTokenFile, EnvIAMEndpoint} {
		f.Setenv(k, "")
	}
	f.Add([]byte(Example()))
	files, _ := filepath.Glob(filepath.Join("testdata", "*.yml"))
	bad, _ := filepath.Glob(filepath.Join("testdata", "bad", "*.yml"))
	for _, name := range append(files, bad...) {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(mergeBomb()))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "testdata")
		if err != nil {
			var errs *Errors
			if !errors.As(err, &errs) || len(errs.List) == 0 || cfg != nil {
				t.Fatalf("want *Errors and no config, got %T %v", err, err)
			}
			for _, e := range errs.List {
				if e.Msg == "" {
					t.Fatalf("empty message in %v", err)
				}
			}
			return
		}
		checkValid(t, cfg)
	})
}

// checkValid re-checks the promises Load makes about an accepted config.
func checkValid(t *testing.T, cfg *Config) {
	if len(cfg.Targets) == 0 {
		t.Fatal("accepted a config without targets")
	}
	names := map[string]bool{}
	for _, tg := range cfg.Targets {
		switch {
		case names[tg.Name] || !nameRE.MatchString(tg.Name):
			t.Fatalf("bad or duplicate name %q", tg.Name)
		case !regionRE.MatchString(tg.Region) || tg.ProjectID == "":
			t.Fatalf("bad region or project in %q", tg.Name)
		case tg.Auth.Method() == "":
			t.Fatalf("no auth method in %q", tg.Name)
		case tg.PageSize < hssclient.MinPageSize || tg.PageSize > hssclient.MaxPageSize ||
			tg.MaxConcurrency < 1 || tg.MaxConcurrency > MaxConcurrencyLimit || !(tg.RequestsPerSecond > 0):
			t.Fatalf("limits out of range in %q", tg.Name)
		case tg.RefreshInterval < MinRefreshInterval || tg.RequestTimeout <= 0 ||
			tg.RequestTimeout >= tg.RefreshInterval || tg.MaxStaleness < tg.RefreshInterval:
			t.Fatalf("durations out of range in %q", tg.Name)
		case !tg.Images.Discover && len(tg.Images.Static) == 0:
			t.Fatalf("nothing to list in %q", tg.Name)
		case len(tg.Images.Include) != len(tg.Images.IncludeRE) || len(tg.Images.Exclude) != len(tg.Images.ExcludeRE):
			t.Fatalf("uncompiled patterns in %q", tg.Name)
		}
		names[tg.Name] = true
	}
}
