package hssclient

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCredentialsFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name     string
		env      map[string]string
		want     EnvCredentials
		wantKeys bool
	}{
		{"unset", map[string]string{}, EnvCredentials{}, false},
		{"all set, whitespace trimmed", map[string]string{
			EnvAccessKey: "AK1", EnvSecretKey: "SK1\n", EnvSecurityToken: " TOK ", EnvProjectID: "p1",
		}, EnvCredentials{AccessKey: "AK1", SecretKey: "SK1", SecurityToken: "TOK", ProjectID: "p1"}, true},
		{"half a pair", map[string]string{EnvAccessKey: "AK1"}, EnvCredentials{AccessKey: "AK1"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, name := range []string{EnvAccessKey, EnvSecretKey, EnvSecurityToken, EnvProjectID} {
				t.Setenv(name, tc.env[name])
			}
			got := CredentialsFromEnv()
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.wantKeys, got.HasKeys())
		})
	}
	require.Equal(t, "HUAWEICLOUD_SDK_AK", EnvAccessKey)
	require.Equal(t, "HUAWEICLOUD_SDK_SK", EnvSecretKey)
	require.Equal(t, "HUAWEICLOUD_SDK_SECURITY_TOKEN", EnvSecurityToken)
	require.Equal(t, "HUAWEICLOUD_SDK_PROJECT_ID", EnvProjectID)
}

func TestEnvCredentialsString(t *testing.T) {
	e := EnvCredentials{AccessKey: "HSSAKEXAMPLE0000001", SecretKey: "sk-value", ProjectID: "p1"}
	require.Equal(t,
		`EnvCredentials{AccessKey: HSSA****0001, SecretKey: <set>, SecurityToken: <unset>, ProjectID: "p1"}`,
		fmt.Sprintf("%+v", e))
}
