package deploy

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/config"
)

// byName returns the item of a list of maps whose name is name.
func byName(t *testing.T, list any, name string) map[string]any {
	t.Helper()
	for _, item := range list.([]any) {
		if m := item.(map[string]any); m["name"] == name {
			return m
		}
	}
	t.Fatalf("no item named %q", name)
	return nil
}

// TestOIDCOverlay keeps the OIDC layout whole: the single replica without
// its secret volume (so no Secret is needed), running as the service
// account whose token is projected for IAM at the very path the
// configuration reads, with an audience and a lifetime; docs/deploying.md names
// the same provider and audience.
func TestOIDCOverlay(t *testing.T) {
	t.Parallel()
	k := readYAML(t, "kubernetes-oidc/kustomization.yaml")
	require.Equal(t, []any{"../kubernetes", "serviceaccount.yaml"}, k["resources"])

	sa := readYAML(t, "kubernetes-oidc/serviceaccount.yaml")
	patch := readYAML(t, "kubernetes-oidc/deployment-patch.yaml")
	pod := dig(t, patch, "spec", "template", "spec")
	require.Equal(t, dig(t, sa, "metadata", "name"), dig(t, pod, "serviceAccountName"))
	require.Equal(t, false, dig(t, pod, "automountServiceAccountToken"), "no Kubernetes API token")

	// The volume and mount it deletes are the base's.
	base := readYAML(t, "kubernetes/deployment.yaml")
	baseC := dig(t, base, "spec", "template", "spec", "containers", 0)
	c := byName(t, dig(t, pod, "containers"), dig(t, baseC, "name").(string))
	require.Equal(t, "delete", byName(t, dig(t, pod, "volumes"), "secrets")["$patch"])
	require.Equal(t, "delete", byName(t, c["volumeMounts"], "secrets")["$patch"])
	byName(t, dig(t, base, "spec", "template", "spec", "volumes"), "secrets")
	byName(t, dig(t, baseC, "volumeMounts"), "secrets")

	vol := byName(t, dig(t, pod, "volumes"), "oidc-token")
	token := dig(t, vol, "projected", "sources", 0, "serviceAccountToken").(map[string]any)
	audience, _ := token["audience"].(string)
	require.NotEmpty(t, audience, "IAM checks the audience against the provider's client ID")
	require.GreaterOrEqual(t, token["expirationSeconds"], 600, "Kubernetes' minimum")
	mount := byName(t, c["volumeMounts"], "oidc-token")
	require.Equal(t, true, mount["readOnly"])
	tokenPath := path.Join(mount["mountPath"].(string), token["path"].(string))

	// The configuration reads that file and validates with it in place.
	cm := readYAML(t, "kubernetes-oidc/configmap-patch.yaml")
	text := dig(t, cm, "data", "hss.yml").(string)
	require.NotContains(t, text, "/etc/hss_exporter/secrets", "no secret file without the Secret")
	dir := t.TempDir()
	local := filepath.Join(dir, "oidc-token")
	require.NoError(t, os.WriteFile(local, []byte("eyJ.example.jwt\n"), 0o600))
	require.Contains(t, text, "id_token_file: "+tokenPath+"\n")
	cfg, err := config.Parse([]byte(strings.ReplaceAll(text, tokenPath, local)), dir)
	require.NoError(t, err)
	a := cfg.Targets[0].Auth
	require.Equal(t, config.MethodOIDC, a.Method())
	require.Equal(t, local, a.OIDC.IDTokenFile)

	steps := readDoc(t, "docs/deploying.md")
	for _, want := range []string{"deploy/kubernetes-oidc/", a.OIDC.IdpID, "client ID `" + audience + "`",
		"system:serviceaccount:monitoring:" + dig(t, sa, "metadata", "name").(string)} {
		require.True(t, strings.Contains(steps, want), "the CCE steps of docs/deploying.md do not say %q", want)
	}
}
