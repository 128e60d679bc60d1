package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Known secrets typed where a config error could quote them.
const (
	hideSK       = "HideCheckSecretKey0123456789abcdef"
	hidePassword = "hunter2pw"
	hideShort    = "pw1"
)

// TestNoValueUnderAuthIsQuoted: a secret typed into a *_file key, a
// key of the wrong type, an unknown key, a custom tag, an alias taking a
// value out of auth (into a name, a number, a list, a merge), an alias
// bringing an outside value in: each error gives the key path and the
// line, never the value.
func TestNoValueUnderAuthIsQuoted(t *testing.T) {
	noEnv(t)
	cases := []struct {
		name, yaml string
		want       []string // every problem, in order
		secrets    []string
	}{
		{"secret in secret_key_file", withAuth("access_key: AK", "secret_key_file: "+hideSK),
			[]string{"line 8:24: targets[0].auth.secret_key_file: cannot read the file it names: no such file or directory (" + pathHidden + ")"}, nil},
		{"password in password_file", withAuth("iam: {domain: d, username: u, password_file: '" + hidePassword + "'}"),
			[]string{"line 7:52: targets[0].auth.iam.password_file: cannot read the file it names: no such file or directory (" + pathHidden + ")"}, nil},
		{"secret as metadata", withAuth("metadata: " + hideSK),
			[]string{"line 7:7: targets[0].auth: no authentication: set access_key with secret_key_file, iam, oidc, or metadata: true, " +
				"or the environment variables HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (or HUAWEICLOUD_SDK_IDP_ID and HUAWEICLOUD_SDK_ID_TOKEN_FILE)",
				"line 7:17: targets[0].auth.metadata: expected true or false, got " + hiddenValue}, nil},
		{"short secret as metadata", withAuth("metadata: " + hideShort),
			[]string{"line 7:7: targets[0].auth: no authentication: set access_key with secret_key_file, iam, oidc, or metadata: true, " +
				"or the environment variables HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (or HUAWEICLOUD_SDK_IDP_ID and HUAWEICLOUD_SDK_ID_TOKEN_FILE)",
				"line 7:17: targets[0].auth.metadata: expected true or false, got " + hiddenValue},
			[]string{`"` + hideShort + `"`}},
		{"secret pasted as a key", withAuth("access_key: AK", hideSK+": x", "secret_key: s"),
			[]string{"line 8:7: targets[0].auth: unknown key (not shown: values under auth may be secrets) (known keys: " +
				"access_key, access_key_file, secret_key, secret_key_file, security_token, security_token_file, iam, metadata, metadata_endpoint, oidc)"}, nil},
		{"secret pasted as a key twice", withAuth("access_key: AK", hideSK+": x", hideSK+": y", "secret_key: s"),
			[]string{"line 8:7: targets[0].auth: unknown key (not shown: values under auth may be secrets) (known keys: " +
				"access_key, access_key_file, secret_key, secret_key_file, security_token, security_token_file, iam, metadata, metadata_endpoint, oidc)",
				"line 9:7: targets[0].auth: duplicate key (first at line 8)"}, nil},
		{"secret as a tag", withAuth("iam: !" + hideSK + " x"),
			[]string{"line 7:12: targets[0].auth.iam: expected a mapping of keys, got a value with a custom tag",
				"line 7:12: targets[0].auth.iam: domain is required (the account name the IAM user belongs to)",
				"line 7:12: targets[0].auth.iam: username is required",
				"line 7:12: targets[0].auth.iam: password_file (or password) is required"}, nil},
		{"alias into the name", "targets:\n  - auth: {access_key: AK, secret_key: &sk \"" + hideSK + "!\"}\n" +
			"    name: *sk\n    region: cn-north-4\n    project_id: p1\n    images: {discover: true}\n",
			[]string{"line 3:11: targets[0].name: takes its value from an anchor under auth; values under auth may be secrets and are used nowhere else"}, nil},
		{"alias into a number and a list", bare("region: cn-north-4", "project_id: p1",
			"auth: {access_key: AK, secret_key: &sk "+hideSK+"}", "page_size: *sk", "images: {discover: true, include: [*sk]}"),
			[]string{"line 6:16: targets[0].page_size: takes its value from an anchor under auth; values under auth may be secrets and are used nowhere else",
				"line 7:40: targets[0].images.include[0]: takes its value from an anchor under auth; values under auth may be secrets and are used nowhere else"}, nil},
		{"merge of the auth block into images", withAuth("<<: &a {access_key: AK, secret_key: "+hideSK+"}") +
			"    images: {<<: *a}\n",
			nil, nil},
		{"outside value aliased into auth", "targets:\n  - name: t1\n    region: &r \"" + hidePassword + " x\"\n    project_id: p1\n" +
			"    images: {discover: true}\n    auth: {iam: {domain: *r, username: u, password: p}}\n",
			[]string{"line 3:13: targets[0].region: " + hiddenValue + " is not a region ID; expected lowercase <geo>-<area>-<number>, e.g. cn-north-4 or ap-southeast-1"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), t.TempDir())
			require.Error(t, err)
			var errs *Errors
			require.True(t, errors.As(err, &errs), "%v", err)
			for _, s := range append([]string{hideSK, hidePassword}, tc.secrets...) {
				require.NotContains(t, err.Error(), s, "in:\n%s", tc.yaml)
			}
			for _, e := range errs.List {
				require.Positive(t, e.Line, "every problem has its line: %v", e)
				require.NotEmpty(t, e.Path, "and its key: %v", e)
			}
			if tc.want != nil {
				got := make([]string, len(errs.List))
				for i, e := range errs.List {
					got[i] = e.Error()
				}
				require.Equal(t, tc.want, got, "in:\n%s", tc.yaml)
			}
		})
	}
}

func TestUnknownAuthKeysAreNamedByTheirNearestKnownKey(t *testing.T) {
	noEnv(t)
	for typo, want := range map[string]string{"secret": "secret_key", "acess_key": "access_key", "pasword": "password"} {
		yaml := withAuth("access_key: AK", "secret_key: s", typo+": x")
		if typo == "pasword" {
			yaml = withAuth("iam: {domain: d, username: u, password: p, pasword: x}")
		}
		_, err := Parse([]byte(yaml), t.TempDir())
		require.ErrorContains(t, err, "did you mean "+want+"?")
		require.False(t, strings.Contains(err.Error(), `"`+typo+`"`))
	}
}
