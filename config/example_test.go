package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The documented example must stay valid: the README sends newcomers to it.
func TestExampleIsValid(t *testing.T) {
	noEnv(t)
	cfg, err := Parse([]byte(Example()), t.TempDir())
	require.NoError(t, err)
	require.Len(t, cfg.Targets, 1)
	tg := cfg.Targets[0]
	require.Equal(t, "demo-cn-north-4", tg.Name)
	require.Equal(t, "0b1c2d3e4f5a60718293a4b5c6d7e8f9", tg.ProjectID)
	require.Equal(t, MethodAKSK, tg.Auth.Method())
	require.Equal(t, "HSSDEMOACCESSKEY0001", tg.Auth.AccessKey)
	require.Equal(t, Secret("hss-demo-secret-key-0001"), tg.Auth.SecretKey)
	require.Equal(t, 5*time.Minute, tg.RefreshInterval)
	require.True(t, tg.Images.Selects("swr.cn-north-4.myhuaweicloud.com/team/api"))
	require.False(t, tg.Images.Selects("swr.cn-north-4.myhuaweicloud.com/team/api-debug"))
	require.False(t, tg.Images.Selects("docker.io/nginx"))
}

// The example's global block shows every default, so a reader copying it
// gets what leaving the keys out would give; DefaultSettings owns them.
func TestExampleShowsTheDefaults(t *testing.T) {
	noEnv(t)
	cfg, err := Parse([]byte(Example()), t.TempDir())
	require.NoError(t, err)
	require.Equal(t, DefaultSettings(), cfg.Global.Settings)
}

// The example's commented OIDC block must validate once uncommented.
func TestExampleOIDCBlockIsValid(t *testing.T) {
	noEnv(t)
	var block []string
	for _, line := range strings.Split(Example(), "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "# oidc:" {
			block = []string{"oidc:"}
		} else if len(block) > 0 && strings.HasPrefix(trimmed, "#   ") {
			block = append(block, "  "+strings.TrimPrefix(trimmed, "# "))
		} else if len(block) > 0 {
			break
		}
	}
	require.Len(t, block, 4, "idp_id, id_token_file and endpoint under oidc:")
	dir := t.TempDir()
	token := filepath.Join(dir, "oidc-token")
	require.NoError(t, os.WriteFile(token, []byte("jwt"), 0o600))
	text := strings.ReplaceAll(withAuth(block...), "/var/run/secrets/tokens/oidc-token", token)
	cfg, err := Parse([]byte(text), dir)
	require.NoError(t, err, text)
	require.Equal(t, &OIDC{IdpID: "my-cce-idp", IDTokenFile: token, Endpoint: "https://iam.myhuaweicloud.com"},
		cfg.Targets[0].Auth.OIDC)
}
