package config

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-kit/log"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// Known secret values, each unique so a leak is easy to spot.
var secrets = []string{"SECRET-INLINE-1a", "SECRET-FILE-2b", "SECRET-TOKEN-3c",
	"SECRET-PASSWORD-4d", "SECRET-ENV-SK-5e", "SECRET-ENV-TOKEN-6f", "SECRET-LIST-7a", "SECRET-UNKNOWN-8b"}

// requireNoSecret fails when out holds a secret, as text or hex.
func requireNoSecret(t *testing.T, what, out string) {
	t.Helper()
	for _, s := range secrets {
		require.NotContains(t, out, s, what)
		require.NotContains(t, strings.ToLower(out), hex.EncodeToString([]byte(s)), what)
	}
}

// secretFiles writes the secret files the configurations below read.
func secretFiles(t *testing.T) string {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sk"), []byte(secrets[1]+"\n"), 0o600))
	return dir
}

const secretsGood = `
targets:
  - {name: inline, region: cn-north-4, project_id: p, images: {discover: true},
     auth: {access_key: AK, secret_key: SECRET-INLINE-1a, security_token: SECRET-TOKEN-3c}}
  - {name: file, region: cn-north-4, project_id: p, images: {discover: true},
     auth: {access_key: AK, secret_key_file: sk}}
  - {name: iam, region: cn-north-4, project_id: p, images: {discover: true},
     auth: {iam: {domain: d, username: u, password: SECRET-PASSWORD-4d}}}
  - {name: env, region: cn-north-4, project_id: p, images: {discover: true}}
`

func TestSecretsNeverPrinted(t *testing.T) {
	noEnv(t)
	t.Setenv(EnvAccessKey, "ENVAK")
	t.Setenv(EnvSecretKey, secrets[4])
	t.Setenv(EnvSecurityToken, secrets[5])
	cfg, err := Parse([]byte(secretsGood), secretFiles(t))
	require.NoError(t, err)
	// The values are there for the client to use...
	require.Equal(t, Secret(secrets[0]), cfg.Targets[0].Auth.SecretKey)
	require.Equal(t, Secret(secrets[1]), cfg.Targets[1].Auth.SecretKey)
	require.Equal(t, Secret(secrets[3]), cfg.Targets[2].Auth.IAM.Password)
	require.Equal(t, Secret(secrets[5]), cfg.Targets[3].Auth.SecurityToken)

	// ...and never in any printed form.
	for _, v := range []any{cfg, *cfg, cfg.Targets, cfg.Targets[0].Auth, *cfg.Targets[2].Auth.IAM,
		cfg.Targets[0].Auth.SecretKey} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
			requireNoSecret(t, verb, fmt.Sprintf(verb, v))
		}
		j, err := json.Marshal(v)
		require.NoError(t, err)
		requireNoSecret(t, "json", string(j))
		y, err := yaml.Marshal(v)
		require.NoError(t, err)
		requireNoSecret(t, "yaml", string(y))

		var buf bytes.Buffer
		require.NoError(t, log.NewLogfmtLogger(&buf).Log("cfg", v))
		require.NoError(t, log.NewJSONLogger(&buf).Log("cfg", v))
		slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "cfg", v)
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "cfg", v)
		requireNoSecret(t, "logs", buf.String())
	}
	require.Equal(t, "<secret>", Secret("x").String())
	require.Equal(t, "", Secret("").String(), "an unset secret shows as unset")
}

// Every error path that touches a secret field reports it without the value.
func TestSecretsNotInErrors(t *testing.T) {
	noEnv(t)
	t.Setenv(EnvSecretKey, secrets[4]) // half a pair: reported, never shown
	dir := secretFiles(t)
	bad := `
global: {page_size: 5}
targets:
  - {name: both, region: cn-north-4, project_id: p, images: {discover: true},
     auth: {access_key: AK, secret_key: SECRET-INLINE-1a, secret_key_file: sk,
            security_token: SECRET-TOKEN-3c, security_token_file: missing}}
  - {name: list, region: cn-north-4, project_id: p, images: {discover: true},
     auth: {access_key: AK, secret_key: [SECRET-LIST-7a], secret_kee: SECRET-UNKNOWN-8b}}
  - {name: iam, region: cn-north-4, project_id: p, images: {discover: true},
     auth: {iam: {domain: d, username: u, password: SECRET-PASSWORD-4d, password_file: sk}, metadata: true}}
  - {name: iam2, region: cn-north-4, project_id: p, images: {discover: true},
     auth: {iam: {password: {x: SECRET-PASSWORD-4d}}}}
  - {name: env, region: cn-north-4, project_id: p, images: {discover: true}}
  - {name: endpoint, region: cn-north-4, project_id: p, images: {discover: true},
     endpoint: "https://u:SECRET-INLINE-1a@hss.example", auth: {metadata: true}}
`
	_, err := Parse([]byte(bad), dir)
	var errs *Errors
	require.ErrorAs(t, err, &errs)
	require.GreaterOrEqual(t, len(errs.List), 8, err.Error())
	requireNoSecret(t, "errors", err.Error())
	requireNoSecret(t, "errors %+v", fmt.Sprintf("%+v %#v", err, errs.List))

	// A syntax error right after a secret does not quote it either.
	_, err = Parse([]byte("targets:\n  - auth: {secret_key: SECRET-INLINE-1a\n  bad: [\n"), dir)
	require.Error(t, err)
	requireNoSecret(t, "syntax", err.Error())
}
