package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/bad")

// noEnv clears the environment variables Load falls back to, so a
// developer's own Huawei credentials cannot change a test's outcome.
func noEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{EnvAccessKey, EnvSecretKey, EnvSecurityToken, EnvProjectID, EnvIdpID, EnvIDTokenFile, EnvIAMEndpoint} {
		t.Setenv(k, "")
	}
}

// problems parses data and returns every problem as a string.
func problems(t *testing.T, data, baseDir string) []string {
	t.Helper()
	cfg, err := Parse([]byte(data), baseDir)
	require.Error(t, err)
	require.Nil(t, cfg)
	var errs *Errors
	require.True(t, errors.As(err, &errs), "want *Errors, got %T: %v", err, err)
	out := make([]string, len(errs.List))
	for i, e := range errs.List {
		out[i] = e.Error()
	}
	require.Equal(t, strings.Join(out, "\n"), err.Error())
	return out
}

func TestLoadGood(t *testing.T) {
	noEnv(t)
	cfg, err := Load(filepath.Join("testdata", "good.yml"))
	require.NoError(t, err)
	require.Equal(t, Global{Settings{
		RefreshInterval: 2 * time.Minute, RequestTimeout: 20 * time.Second, PageSize: 100,
		MaxConcurrency: 8, RequestsPerSecond: 2.5, APICallsPerMinute: 30, MaxStaleness: 24 * time.Hour, Clusters: new(true),
	}}, cfg.Global)
	require.Len(t, cfg.Targets, 4)

	prod := cfg.Targets[0]
	require.Equal(t, "https://hss.cn-north-4.myhuaweicloud.com", prod.Endpoint)
	require.Equal(t, "all_granted_eps", prod.EnterpriseProjectID)
	require.Equal(t, MethodAKSK, prod.Auth.Method())
	require.Equal(t, Secret("sk-from-file-7f3a"), prod.Auth.SecretKey, "trailing newline dropped")
	require.Equal(t, Secret("token-from-file-9c2e"), prod.Auth.SecurityToken)
	require.False(t, prod.Auth.FromEnv)
	require.True(t, prod.ContainerInfo)
	require.Equal(t, []StaticImage{
		{Name: "nginx", Version: "1.10"}, {Name: "redis"},
		{Digest: "sha256:3b5c6e1f0a9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b"},
	}, prod.Images.Static)
	// Overridden keys, and the rest inherited from global.
	require.Equal(t, 50, prod.PageSize)
	require.Equal(t, 90*time.Minute, prod.RefreshInterval)
	require.Equal(t, 20*time.Second, prod.RequestTimeout)
	require.Equal(t, 8, prod.MaxConcurrency)
	require.Equal(t, 2.5, prod.RequestsPerSecond)
	require.Equal(t, 24*time.Hour, prod.MaxStaleness)

	staging := cfg.Targets[1]
	require.Equal(t, MethodIAM, staging.Auth.Method())
	require.Equal(t, "https://iam.ap-southeast-1.myhuaweicloud.com", staging.Auth.IAM.Endpoint)
	require.Equal(t, Secret("iam-password-from-file-41d0"), staging.Auth.IAM.Password, "CRLF dropped")
	require.Equal(t, 0.5, staging.RequestsPerSecond)
	require.False(t, staging.Images.Discover)

	ecs := cfg.Targets[2]
	require.Equal(t, MethodMetadata, ecs.Auth.Method())
	require.Equal(t, "http://169.254.169.254", ecs.Auth.MetadataEndpoint)
	require.Equal(t, 1, ecs.MaxConcurrency)
	require.Equal(t, 10*time.Minute, ecs.MaxStaleness)

	copied := cfg.Targets[3]
	require.Equal(t, "prod-copy", copied.Name)
	require.Equal(t, "0", copied.EnterpriseProjectID)
	require.Equal(t, prod.Auth.SecretKey, copied.Auth.SecretKey)
	require.Equal(t, 50, copied.PageSize)
	require.True(t, copied.Images.Selects("swr.example/app"))
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	_, err := Load(filepath.Join(t.TempDir(), "nope.yml"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

// The files under testdata/bad show what --config.check prints; their
// golden .err files are reviewed like code (go test -run BadFiles -update).
func TestBadFiles(t *testing.T) {
	noEnv(t)
	files, err := filepath.Glob(filepath.Join("testdata", "bad", "*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, err := Load(f)
			var errs *Errors
			require.ErrorAs(t, err, &errs)
			golden := strings.TrimSuffix(f, ".yml") + ".err"
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(err.Error()+"\n"), 0o644))
			}
			want, rerr := os.ReadFile(golden)
			require.NoError(t, rerr)
			require.Equal(t, string(want), err.Error()+"\n")
		})
	}
}
