package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// echoForms are the ways a hostile gateway sends a credential back.
var echoForms = map[string]func(string) string{
	"lower case":       strings.ToLower,
	"upper case":       strings.ToUpper,
	"base64":           func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) },
	"base64url":        func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) },
	"hex":              func(s string) string { return hex.EncodeToString([]byte(s)) },
	"base64 in a blob": func(s string) string { return base64.StdEncoding.EncodeToString([]byte("echo:" + s + ";")) },
}

// encodedCores are the parts of the base64 (both alphabets) and hex of s
// that stay the same wherever s sits in a longer encoded text.
func encodedCores(s string) []string {
	out := []string{hex.EncodeToString([]byte(s))}
	for shift := range 3 {
		buf := append(make([]byte, shift), s...)
		first, end := (8*shift+5)/6, 8*(shift+len(s))/6
		for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
			out = append(out, enc.EncodeToString(buf)[first:end])
		}
	}
	return out
}

// requireNoSecretInAnyForm fails when text holds a secret in any case, or
// the base64 or hex of one.
func requireNoSecretInAnyForm(t *testing.T, text string, secrets ...string) {
	t.Helper()
	lower := strings.ToLower(text)
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, form := range append(encodedCores(s), s) {
			if i := strings.Index(lower, strings.ToLower(form)); i >= 0 {
				start := max(0, i-200)
				t.Fatalf("secret %q leaked as %q:\n...%s...", s, form, text[start:min(len(text), i+len(form)+100)])
			}
		}
	}
}

// TestEchoedCredentialsInAnyFormReachNoSurface: gateways and IAM echo the
// security token, the signature, the IAM token and the password back
// lower- or upper-cased, base64- or hex-encoded, alone or inside a longer
// blob. None of it reaches the logs, /metrics, /status or /api/v1/status.
func TestEchoedCredentialsInAnyFormReachNoSurface(t *testing.T) {
	t.Parallel()
	const temporary = "      access_key: LEAKCHECKACCESSKEY01\n      secret_key_file: DIR/sk\n      security_token_file: DIR/token"
	iam := func(url, user string) string {
		return "      iam: {endpoint: " + url + ", domain: " + user + ", username: " + user + ", password_file: 'DIR/password'}"
	}
	setups := map[string]func(url string) string{
		"temporary AK/SK": func(string) string { return temporary },
		"IAM token":       func(url string) string { return iam(url, "u") },
		"IAM refusal":     func(url string) string { return iam(url, "other") },
	}
	for setupName, auth := range setups {
		for formName, form := range echoForms {
			t.Run(setupName+"/"+formName, func(t *testing.T) {
				t.Parallel()
				h := newHostileHSS(t)
				h.form, h.statuses = form, []int{400}
				out := runAndCollect(t, leakConfig(t, h.URL, auth(h.URL), ""))
				require.Contains(t, out, "[REDACTED]", "the echo reached the logs, cut")
				requireNoSecretInAnyForm(t, out, append(h.seenSignatures(),
					leakSK, leakPassword, leakSecurityToken, leakIssuedToken)...)
			})
		}
	}
}

// TestConfigErrorsQuoteNoSecret: secrets typed into *_file keys, or carried
// out of auth by an anchor, are not in what --config.check and a refused
// start print.
func TestConfigErrorsQuoteNoSecret(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "hss.yml")
	text := `targets:
  - name: t0
    region: cn-north-4
    project_id: p0
    images: {discover: true}
    auth: {access_key: LEAKCHECKACCESSKEY01, secret_key_file: ` + leakSK + `}
  - auth:
      iam: {domain: d, username: u, password_file: &pw "` + leakPassword + `"}
    name: t1
    region: cn-north-4
    project_id: *pw
    images: {discover: true, include: [*pw]}
`
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	for _, args := range [][]string{{"--config.check"}, {}} {
		var stderr bytes.Buffer
		code := run(context.Background(), append(args, "--config.file="+path, "--web.listen-address=127.0.0.1:0"), &bytes.Buffer{}, &stderr)
		require.Equal(t, 1, code, stderr.String())
		out := stderr.String()
		require.Contains(t, out, "targets[0].auth.secret_key_file: cannot read the file it names")
		require.Contains(t, out, "targets[1].auth.iam.password_file: cannot read the file it names")
		require.Contains(t, out, "targets[1].project_id: takes its value from an anchor under auth")
		require.Contains(t, out, "targets[1].images.include[0]: takes its value from an anchor under auth")
		requireNoSecretInAnyForm(t, out, leakSK, leakPassword)
	}
}
