package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/internal/secretfile"
)

// withAuth is a valid one-target file whose auth block holds lines
// (from line 6 on).
func withAuth(lines ...string) string {
	return bare("region: cn-north-4", "project_id: p1", "images: {discover: true}",
		"auth:\n      "+strings.Join(lines, "\n      "))
}

func TestAuthMethods(t *testing.T) {
	noEnv(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pw"), []byte("pw-in-file\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ak"), []byte("AK-IN-FILE\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sk"), []byte("sk-in-file\n"), 0o600))
	for _, tc := range []struct {
		name, yaml, method string
		check              func(t *testing.T, a Auth)
	}{
		{"aksk inline with token", withAuth("access_key: AK", "secret_key: SK", "security_token: TOK"), MethodAKSK,
			func(t *testing.T, a Auth) {
				require.Equal(t, Secret("SK"), a.SecretKey)
				require.Equal(t, Secret("TOK"), a.SecurityToken)
			}},
		// The client reads the files again when they change, whatever its
		// working directory: so the paths come back absolute.
		{"aksk both keys in relative files", withAuth("access_key_file: ak", "secret_key_file: sk"), MethodAKSK,
			func(t *testing.T, a Auth) {
				require.Equal(t, "AK-IN-FILE", a.AccessKey)
				require.Equal(t, Secret("sk-in-file"), a.SecretKey)
				require.Equal(t, filepath.Join(dir, "ak"), a.AccessKeyFile)
				require.Equal(t, filepath.Join(dir, "sk"), a.SecretKeyFile)
				require.Empty(t, a.SecurityTokenFile)
			}},
		{"iam relative password file", withAuth("iam: {domain: d, username: u, password_file: pw}"), MethodIAM,
			func(t *testing.T, a Auth) {
				require.Equal(t, Secret("pw-in-file"), a.IAM.Password)
				require.Equal(t, filepath.Join(dir, "pw"), a.IAM.PasswordFile)
				require.Equal(t, "https://iam.cn-north-4.myhuaweicloud.com", a.IAM.Endpoint)
			}},
		{"iam own endpoint", withAuth("iam: {domain: d, username: u, password: p, endpoint: 'http://127.0.0.1:8080/'}"), MethodIAM,
			func(t *testing.T, a Auth) { require.Equal(t, "http://127.0.0.1:8080", a.IAM.Endpoint) }},
		{"metadata own endpoint", withAuth("metadata: true", "metadata_endpoint: http://127.0.0.1:9/"), MethodMetadata,
			func(t *testing.T, a Auth) { require.Equal(t, "http://127.0.0.1:9", a.MetadataEndpoint) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Parse([]byte(tc.yaml), dir)
			require.NoError(t, err)
			a := cfg.Targets[0].Auth
			require.Equal(t, tc.method, a.Method())
			tc.check(t, a)
		})
	}
}

func TestBadAuth(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "empty"), []byte("\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "big"), make([]byte, secretfile.MaxSize+1), 0o600))
	missing := filepath.Join(dir, "missing")
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"none", withAuth("metadata: false"),
			[]string{"line 7:7: targets[0].auth: no authentication: set access_key with secret_key_file, iam, oidc, or metadata: true, or the environment variables HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (or HUAWEICLOUD_SDK_IDP_ID and HUAWEICLOUD_SDK_ID_TOKEN_FILE)"}},
		{"no auth block", bare("region: cn-north-4", "project_id: p1", "images: {discover: true}"),
			[]string{"line 2:5: targets[0].auth: no authentication: set access_key with secret_key_file, iam, oidc, or metadata: true, or the environment variables HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (or HUAWEICLOUD_SDK_IDP_ID and HUAWEICLOUD_SDK_ID_TOKEN_FILE)"}},
		{"aksk and iam", withAuth("access_key: AK", "secret_key: SK", "iam: {domain: d, username: u, password: p}"),
			[]string{"line 7:7: targets[0].auth: set exactly one authentication method, found access_key and iam"}},
		{"iam and metadata", withAuth("iam: {domain: d, username: u, password: p}", "metadata: true"),
			[]string{"line 7:7: targets[0].auth: set exactly one authentication method, found iam and metadata"}},
		{"secret without access key", withAuth("secret_key: SK"),
			[]string{"line 7:7: targets[0].auth: access_key (or access_key_file) is required with secret_key or secret_key_file"}},
		{"access key twice", withAuth("access_key: AK", "access_key_file: ak", "secret_key: SK"),
			[]string{"line 8:24: targets[0].auth.access_key_file: set access_key or access_key_file, not both"}},
		{"missing access key file", withAuth("access_key_file: "+missing, "secret_key: SK"),
			[]string{`line 7:24: targets[0].auth.access_key_file: cannot read the file it names: no such file or directory (` + pathHidden + `)`}},
		{"empty access key file", withAuth("access_key_file: empty", "secret_key: SK"),
			[]string{`line 7:24: targets[0].auth.access_key_file: the file it names is empty (` + pathHidden + `)`}},
		{"access key file without secret", withAuth("access_key_file: empty"),
			[]string{
				"line 7:7: targets[0].auth: secret_key_file (or secret_key) is required",
				`line 7:24: targets[0].auth.access_key_file: the file it names is empty (` + pathHidden + `)`,
			}},
		{"access key without secret", withAuth("access_key: AK"),
			[]string{"line 7:7: targets[0].auth: secret_key_file (or secret_key) is required"}},
		{"secret twice", withAuth("access_key: AK", "secret_key: SK", "secret_key_file: sk"),
			[]string{"line 9:24: targets[0].auth.secret_key_file: set secret_key or secret_key_file, not both"}},
		{"token twice", withAuth("access_key: AK", "secret_key: SK", "security_token: T", "security_token_file: t"),
			[]string{"line 10:28: targets[0].auth.security_token_file: set security_token or security_token_file, not both"}},
		{"empty inline secret", withAuth("access_key: AK", `secret_key: ""`),
			[]string{"line 8:19: targets[0].auth.secret_key: is empty"}},
		{"secret as list", withAuth("access_key: AK", "secret_key: [a]"),
			[]string{"line 8:19: targets[0].auth.secret_key: expected a string, got a list"}},
		{"missing file", withAuth("access_key: AK", "secret_key_file: "+missing),
			[]string{`line 8:24: targets[0].auth.secret_key_file: cannot read the file it names: no such file or directory (` + pathHidden + `)`}},
		{"directory", withAuth("access_key: AK", "secret_key_file: ."),
			[]string{`line 8:24: targets[0].auth.secret_key_file: cannot read the file it names: not a regular file (a directory) (` + pathHidden + `)`}},
		{"device", withAuth("access_key: AK", "secret_key_file: /dev/null"),
			[]string{`line 8:24: targets[0].auth.secret_key_file: cannot read the file it names: not a regular file (a character device) (` + pathHidden + `)`}},
		{"empty file", withAuth("access_key: AK", "secret_key_file: empty"),
			[]string{`line 8:24: targets[0].auth.secret_key_file: the file it names is empty (` + pathHidden + `)`}},
		{"huge file", withAuth("access_key: AK", "secret_key_file: big"),
			[]string{`line 8:24: targets[0].auth.secret_key_file: the file it names is larger than 64 KiB; is it the right file? (` + pathHidden + `)`}},
		{"empty file name", withAuth("access_key: AK", `secret_key_file: ""`),
			[]string{"line 8:24: targets[0].auth.secret_key_file: is empty; give the path of a file holding the secret"}},
		{"iam incomplete", withAuth("iam: {endpoint: iam.example}"),
			[]string{
				"line 7:12: targets[0].auth.iam: domain is required (the account name the IAM user belongs to)",
				"line 7:12: targets[0].auth.iam: username is required",
				"line 7:12: targets[0].auth.iam: password_file (or password) is required",
				"line 7:23: targets[0].auth.iam.endpoint: must be an absolute http:// or https:// URL, e.g. https://iam.cn-north-4.myhuaweicloud.com",
			}},
		{"iam password twice", withAuth("iam: {domain: d, username: u, password: p, password_file: " + missing + "}"),
			[]string{"line 7:65: targets[0].auth.iam.password_file: set password or password_file, not both"}},
		{"metadata endpoint alone", withAuth("access_key: AK", "secret_key: SK", "metadata_endpoint: http://127.0.0.1"),
			[]string{"line 9:26: targets[0].auth.metadata_endpoint: only applies with metadata: true"}},
		{"metadata endpoint not a URL", withAuth("metadata: true", "metadata_endpoint: 169.254.169.254"),
			[]string{"line 8:26: targets[0].auth.metadata_endpoint: must be an absolute http:// or https:// URL, e.g. http://169.254.169.254"}},
		{"unknown auth key", withAuth("access_key: AK", "secret: SK"),
			[]string{
				"line 7:7: targets[0].auth: secret_key_file (or secret_key) is required",
				"line 8:7: targets[0].auth: unknown key (not shown: values under auth may be secrets); did you mean secret_key? (known keys: access_key, access_key_file, secret_key, secret_key_file, security_token, security_token_file, iam, metadata, metadata_endpoint, oidc)"}},
		{"unknown iam key", withAuth("iam: {domain: d, user: u, password: p}"),
			[]string{
				"line 7:12: targets[0].auth.iam: username is required",
				"line 7:24: targets[0].auth.iam: unknown key (not shown: values under auth may be secrets); did you mean username? (known keys: endpoint, domain, username, password, password_file)",
			}},
		{"auth a string", bare("region: cn-north-4", "project_id: p1", "images: {discover: true}", "auth: AK:SK"),
			[]string{"line 6:11: targets[0].auth: expected a mapping of keys, got a string"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			noEnv(t)
			require.Equal(t, tc.want, problems(t, tc.yaml, dir), "in:\n%s", tc.yaml)
		})
	}
}

func TestAuthFromEnvironment(t *testing.T) {
	noAuth := bare("region: cn-north-4", "images: {discover: true}")
	t.Run("keys, token and project", func(t *testing.T) {
		noEnv(t)
		t.Setenv(EnvAccessKey, "ENVAK")
		t.Setenv(EnvSecretKey, "env-sk\n")
		t.Setenv(EnvSecurityToken, "env-token")
		t.Setenv(EnvProjectID, "envproject")
		cfg, err := Parse([]byte(noAuth), "")
		require.NoError(t, err)
		a := cfg.Targets[0].Auth
		require.Equal(t, MethodAKSK, a.Method())
		require.True(t, a.FromEnv)
		require.Equal(t, "ENVAK", a.AccessKey)
		require.Equal(t, Secret("env-sk"), a.SecretKey)
		require.Equal(t, Secret("env-token"), a.SecurityToken)
		require.Equal(t, "envproject", cfg.Targets[0].ProjectID)
	})
	t.Run("file wins over environment", func(t *testing.T) {
		noEnv(t)
		t.Setenv(EnvAccessKey, "ENVAK")
		t.Setenv(EnvSecretKey, "env-sk")
		t.Setenv(EnvProjectID, "envproject")
		cfg, err := Parse([]byte(withTarget()), "")
		require.NoError(t, err)
		require.Equal(t, "AK", cfg.Targets[0].Auth.AccessKey)
		require.False(t, cfg.Targets[0].Auth.FromEnv)
		require.Equal(t, "p1", cfg.Targets[0].ProjectID)
	})
	t.Run("half a key pair", func(t *testing.T) {
		noEnv(t)
		t.Setenv(EnvAccessKey, "ENVAK")
		t.Setenv(EnvProjectID, "envproject")
		require.Equal(t, []string{"line 2:5: targets[0].auth: HUAWEICLOUD_SDK_AK is set but HUAWEICLOUD_SDK_SK is empty"},
			problems(t, noAuth, ""))
	})
	t.Run("bad project from environment", func(t *testing.T) {
		noEnv(t)
		t.Setenv(EnvAccessKey, "ENVAK")
		t.Setenv(EnvSecretKey, "env-sk")
		t.Setenv(EnvProjectID, "a b")
		require.Equal(t, []string{`line 2:5: targets[0].project_id (from HUAWEICLOUD_SDK_PROJECT_ID): "a b" is not a project ID; expected letters, digits, - or _ (usually 32 hex digits)`},
			problems(t, noAuth, ""))
	})
}
