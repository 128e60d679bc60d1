package hssclient

import (
	"fmt"
	"os"
	"strings"
)

// Environment variables read by Huawei's own SDK, honoured here so that one
// set of variables configures both.
const (
	EnvAccessKey     = "HUAWEICLOUD_SDK_AK"
	EnvSecretKey     = "HUAWEICLOUD_SDK_SK"
	EnvSecurityToken = "HUAWEICLOUD_SDK_SECURITY_TOKEN"
	EnvProjectID     = "HUAWEICLOUD_SDK_PROJECT_ID"
)

// EnvCredentials are the credentials found in the environment. Any field may
// be empty. Printing them with any fmt verb never shows the secrets.
type EnvCredentials struct {
	AccessKey     string
	SecretKey     string
	SecurityToken string
	ProjectID     string
}

// CredentialsFromEnv reads the HUAWEICLOUD_SDK_* variables. Surrounding
// whitespace is dropped: a trailing newline from a secrets file would
// otherwise break every signature.
func CredentialsFromEnv() EnvCredentials {
	get := func(name string) string { return strings.TrimSpace(os.Getenv(name)) }
	return EnvCredentials{
		AccessKey:     get(EnvAccessKey),
		SecretKey:     get(EnvSecretKey),
		SecurityToken: get(EnvSecurityToken),
		ProjectID:     get(EnvProjectID),
	}
}

// HasKeys reports whether both halves of an AK/SK pair are present.
func (e EnvCredentials) HasKeys() bool { return e.AccessKey != "" && e.SecretKey != "" }

func (e EnvCredentials) String() string {
	ak := "<unset>"
	if e.AccessKey != "" {
		ak = maskAccessKey(e.AccessKey)
	}
	return fmt.Sprintf("EnvCredentials{AccessKey: %s, SecretKey: %s, SecurityToken: %s, ProjectID: %q}",
		ak, setOrUnset(e.SecretKey), setOrUnset(e.SecurityToken), e.ProjectID)
}

// Format prints String for every verb, so %+v, %#v and %x of the struct do
// not dump the secret key.
func (e EnvCredentials) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(e.String())) }
