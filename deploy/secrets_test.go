package deploy

import (
	"encoding/base64"
	"errors"
	"io"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// placeholder matches what example files put where a credential belongs.
// Applied, such a value overwrites the real key, and HSS locks a key after
// five failed authentications. .ci/deploycheck refuses the same values in
// CI, where kubectl is missing.
var placeholder = regexp.MustCompile(`(?i)replace[_-]?(with|me)|change[_-]?me|placeholder|your[_-]?(access|secret|key|password|token)|^<.*>$|^x{4,}$|^(todo|fixme|secret|password)$`)

// TestPlaceholderMatchesExampleValues keeps the matcher honest: it finds
// the values example Secrets carry, and leaves real-looking ones alone.
func TestPlaceholderMatchesExampleValues(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"REPLACE_WITH_SECRET_ACCESS_KEY", "changeme", "CHANGE-ME", "<your secret key>",
		"xxxxxxxx", "your-secret-key", "placeholder", "password"} {
		require.Regexp(t, placeholder, v)
	}
	for _, v := range []string{"8mQkz3V0pX2rT7yL1nB4cD6fH9jK0sW5eR2tY7uI", "hss-demo-secret-key-0001"} {
		require.NotRegexp(t, placeholder, v)
	}
}

// secretPlaceholders returns "Secret/name: key" for every value of a
// rendered Secret that is a placeholder.
func secretPlaceholders(t *testing.T, objects []object) []string {
	t.Helper()
	var found []string
	for _, o := range objects {
		if o["kind"] != "Secret" {
			continue
		}
		name := dig(t, o, "metadata", "name")
		values := map[string]string{}
		if data, ok := o["data"].(map[string]any); ok {
			for k, v := range data {
				raw, err := base64.StdEncoding.DecodeString(v.(string))
				require.NoError(t, err, "Secret/%s data.%s", name, k)
				values[k] = string(raw)
			}
		}
		if data, ok := o["stringData"].(map[string]any); ok {
			for k, v := range data {
				values[k], _ = v.(string)
			}
		}
		for k, v := range values {
			if placeholder.MatchString(strings.TrimSpace(v)) {
				found = append(found, "Secret/"+name.(string)+": "+k+" is a placeholder")
			}
		}
	}
	sort.Strings(found)
	return found
}

// decodeStream reads every object of a YAML stream.
func decodeStream(t *testing.T, text string) []object {
	t.Helper()
	var out []object
	dec := yaml.NewDecoder(strings.NewReader(text))
	for {
		var o object
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		if o != nil {
			out = append(out, o)
		}
	}
}

// TestNoRenderedSecretCarriesAPlaceholder renders what a user applies,
// the kustomizations and the chart with its default values, and finds no
// Secret holding a placeholder: the pods mount a Secret the user creates,
// and an `apply` never overwrites it.
func TestNoRenderedSecretCarriesAPlaceholder(t *testing.T) {
	t.Parallel()
	t.Run("the matcher finds a placeholder Secret", func(t *testing.T) {
		example := "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\nstringData: {secret_key: REPLACE_WITH_SECRET_ACCESS_KEY}\n" +
			"---\napiVersion: v1\nkind: Secret\nmetadata: {name: y}\ndata: {password: " + base64.StdEncoding.EncodeToString([]byte("changeme\n")) + "}\n"
		require.Equal(t, []string{"Secret/x: secret_key is a placeholder", "Secret/y: password is a placeholder"},
			secretPlaceholders(t, decodeStream(t, example)))
	})
	t.Run("helm default values", func(t *testing.T) {
		r := renderDefaults(t)
		require.Empty(t, secretPlaceholders(t, r))
	})
	for _, dir := range []string{"kubernetes", "kubernetes/sharded", "kubernetes-oidc"} {
		t.Run("kustomize "+dir, func(t *testing.T) {
			objects := decodeStream(t, kustomize(t, dir))
			require.NotEmpty(t, objects)
			require.Empty(t, secretPlaceholders(t, objects))
		})
	}
}

// readmeSecretKeys returns the keys of the kustomize step of
// docs/deploying.md that creates the credentials Secret
// (--from-file=KEY=...).
func readmeSecretKeys(t *testing.T) []string {
	t.Helper()
	text := readDoc(t, "docs/deploying.md")
	start := strings.Index(text, "## Kubernetes with kustomize")
	require.GreaterOrEqual(t, start, 0, "the kustomize steps of docs/deploying.md")
	step := regexp.MustCompile("`(kubectl -n monitoring create secret generic [^`]+)`").FindStringSubmatch(text[start:])
	require.NotNil(t, step, "the kustomize steps of docs/deploying.md create the Secret with kubectl create secret generic")
	var keys []string
	for _, m := range regexp.MustCompile(`--from-file=([a-z_]+)=`).FindAllStringSubmatch(step[1], -1) {
		keys = append(keys, m[1])
	}
	return keys
}
