package config

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// oidcToken is what the test token files hold; it must never be quoted.
const oidcToken = "eyJhbGciOiJSUzI1NiJ9.LEAKCHECK-OIDC.sig"

func oidcDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "oidc-token"), []byte(oidcToken+"\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "empty"), []byte("\n"), 0o600))
	return dir
}

func TestOIDCAuth(t *testing.T) {
	noEnv(t)
	dir := oidcDir(t)
	for _, tc := range []struct {
		name, block, endpoint string
	}{
		{"default endpoint left to the client", "oidc: {idp_id: cce-idp, id_token_file: oidc-token}", ""},
		{"own endpoint", "oidc: {idp_id: cce-idp, id_token_file: oidc-token, endpoint: 'http://127.0.0.1:9/'}", "http://127.0.0.1:9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Parse([]byte(withAuth(tc.block)), dir)
			require.NoError(t, err)
			a := cfg.Targets[0].Auth
			require.Equal(t, MethodOIDC, a.Method())
			require.False(t, a.FromEnv)
			require.Equal(t, &OIDC{IdpID: "cce-idp", IDTokenFile: filepath.Join(dir, "oidc-token"), Endpoint: tc.endpoint}, a.OIDC)
			require.NotContains(t, fmt.Sprintf("%+v %#v", cfg, cfg), "LEAKCHECK", "the token is not kept")
		})
	}
}

func TestBadOIDC(t *testing.T) {
	dir := oidcDir(t)
	missing := filepath.Join(dir, "missing")
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"nothing", withAuth("oidc: {}"), []string{
			"line 7:13: targets[0].auth.oidc: idp_id is required (the name of the IAM identity provider of protocol OpenID Connect)",
			"line 7:13: targets[0].auth.oidc: id_token_file is required (on Kubernetes, the path of the projected service account token)",
		}},
		{"bad idp_id", withAuth("oidc: {idp_id: 'my idp', id_token_file: oidc-token}"),
			[]string{`line 7:22: targets[0].auth.oidc.idp_id: ` + hiddenValue + ` is not an identity provider ID; expected at most 64 letters, digits, -, _ or .`}},
		{"missing token file", withAuth("oidc: {idp_id: cce, id_token_file: " + missing + "}"),
			[]string{`line 7:42: targets[0].auth.oidc.id_token_file: cannot read the file it names: no such file or directory (` + pathHidden + `)`}},
		{"empty token file", withAuth("oidc: {idp_id: cce, id_token_file: empty}"),
			[]string{`line 7:42: targets[0].auth.oidc.id_token_file: the file it names is empty (` + pathHidden + `)`}},
		{"token file a directory", withAuth("oidc: {idp_id: cce, id_token_file: .}"),
			[]string{`line 7:42: targets[0].auth.oidc.id_token_file: cannot read the file it names: not a regular file (a directory) (` + pathHidden + `)`}},
		{"bad endpoint", withAuth("oidc: {idp_id: cce, id_token_file: oidc-token, endpoint: iam.example}"),
			[]string{"line 7:64: targets[0].auth.oidc.endpoint: must be an absolute http:// or https:// URL, e.g. https://iam.myhuaweicloud.com"}},
		{"oidc and access key", withAuth("access_key: AK", "secret_key: SK", "oidc: {idp_id: cce, id_token_file: oidc-token}"),
			[]string{"line 7:7: targets[0].auth: set exactly one authentication method, found access_key and oidc"}},
		{"oidc and metadata", withAuth("metadata: true", "oidc: {idp_id: cce, id_token_file: oidc-token}"),
			[]string{"line 7:7: targets[0].auth: set exactly one authentication method, found metadata and oidc"}},
		{"unknown oidc key", withAuth("oidc: {idp_id: cce, id_token: x, id_token_file: oidc-token}"),
			[]string{`line 7:27: targets[0].auth.oidc: unknown key (not shown: values under auth may be secrets); did you mean id_token_file? (known keys: idp_id, id_token_file, endpoint)`}},
		{"oidc a string", withAuth("oidc: cce"),
			[]string{"line 7:13: targets[0].auth.oidc: expected a mapping of keys, got a string"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			noEnv(t)
			got := problems(t, tc.yaml, dir)
			require.Equal(t, tc.want, got, "in:\n%s", tc.yaml)
			require.NotContains(t, fmt.Sprint(got), "LEAKCHECK")
		})
	}
}

func TestOIDCFromEnvironment(t *testing.T) {
	dir := oidcDir(t)
	token := filepath.Join(dir, "oidc-token")
	noAuth := bare("region: cn-north-4", "project_id: p1", "images: {discover: true}")
	env := func(t *testing.T, kv ...string) {
		noEnv(t)
		for i := 0; i+1 < len(kv); i += 2 {
			t.Setenv(kv[i], kv[i+1])
		}
	}
	t.Run("identity provider and token file, before an access key as the SDK", func(t *testing.T) {
		env(t, EnvIdpID, "cce-idp", EnvIDTokenFile, token, EnvAccessKey, "ENVAK", EnvSecretKey, "env-sk",
			EnvIAMEndpoint, "iam.cn-north-4.myhuaweicloud.com")
		cfg, err := Parse([]byte(noAuth), "")
		require.NoError(t, err)
		a := cfg.Targets[0].Auth
		require.Equal(t, MethodOIDC, a.Method())
		require.True(t, a.FromEnv)
		require.Equal(t, &OIDC{IdpID: "cce-idp", IDTokenFile: token, Endpoint: "https://iam.cn-north-4.myhuaweicloud.com"}, a.OIDC)
		require.Empty(t, a.AccessKey)
	})
	t.Run("relative token file from the working directory", func(t *testing.T) {
		env(t, EnvIdpID, "cce-idp", EnvIDTokenFile, "oidc-token", EnvIAMEndpoint, "http://127.0.0.1:9")
		t.Chdir(dir)
		cfg, err := Parse([]byte(noAuth), "/elsewhere")
		require.NoError(t, err)
		require.Equal(t, &OIDC{IdpID: "cce-idp", IDTokenFile: token, Endpoint: "http://127.0.0.1:9"}, cfg.Targets[0].Auth.OIDC)
	})
	t.Run("half of OIDC leaves the access key", func(t *testing.T) {
		env(t, EnvIdpID, "cce-idp", EnvAccessKey, "ENVAK", EnvSecretKey, "env-sk")
		cfg, err := Parse([]byte(noAuth), "")
		require.NoError(t, err)
		require.Equal(t, MethodAKSK, cfg.Targets[0].Auth.Method())
	})
	t.Run("the file wins over the environment", func(t *testing.T) {
		env(t, EnvIdpID, "cce-idp", EnvIDTokenFile, token)
		cfg, err := Parse([]byte(withTarget()), "")
		require.NoError(t, err)
		require.Equal(t, MethodAKSK, cfg.Targets[0].Auth.Method())
		require.Nil(t, cfg.Targets[0].Auth.OIDC)
	})
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"identity provider alone", []string{EnvIdpID, "cce-idp"},
			"line 2:5: targets[0].auth: HUAWEICLOUD_SDK_IDP_ID is set but HUAWEICLOUD_SDK_ID_TOKEN_FILE is empty"},
		{"token file alone", []string{EnvIDTokenFile, token},
			"line 2:5: targets[0].auth: HUAWEICLOUD_SDK_ID_TOKEN_FILE is set but HUAWEICLOUD_SDK_IDP_ID is empty"},
		{"unreadable token file", []string{EnvIdpID, "cce-idp", EnvIDTokenFile, filepath.Join(dir, "missing")},
			`line 2:5: targets[0].auth (HUAWEICLOUD_SDK_ID_TOKEN_FILE): cannot read "` + filepath.Join(dir, "missing") + `": no such file or directory`},
		{"bad identity provider", []string{EnvIdpID, "a\tb", EnvIDTokenFile, token},
			`line 2:5: targets[0].auth (HUAWEICLOUD_SDK_IDP_ID): "a\tb" is not an identity provider ID; expected at most 64 letters, digits, -, _ or .`},
		{"bad endpoint", []string{EnvIdpID, "cce-idp", EnvIDTokenFile, token, EnvIAMEndpoint, "https://iam.example/?x=1"},
			"line 2:5: targets[0].auth (HUAWEICLOUD_SDK_IAM_ENDPOINT): must not have a query or fragment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env(t, tc.env...)
			require.Equal(t, []string{tc.want}, problems(t, noAuth, ""))
		})
	}
}
