package config

import (
	"errors"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hss-exporter/hss_exporter/internal/endpoint"
	"github.com/hss-exporter/hss_exporter/internal/secretfile"
)

// auth checks that the target has exactly one authentication method and
// resolves its secrets. With none in the file it falls back to the
// environment variables Huawei's SDKs read.
func (v *validator) auth(t *Target, path string) {
	a, p := &t.Auth, path+".auth"
	node := v.at[p]
	if node == nil {
		node = v.at[path]
	}
	var methods []string
	if v.anySet(p, "access_key", "access_key_file", "secret_key", "secret_key_file", "security_token", "security_token_file") {
		methods = append(methods, "access_key")
	}
	if a.IAM != nil {
		methods = append(methods, "iam")
	}
	if a.Metadata {
		methods = append(methods, "metadata")
	}
	if a.OIDC != nil {
		methods = append(methods, "oidc")
	}
	if v.set(p+".metadata_endpoint") && !a.Metadata {
		v.errorf(v.at[p+".metadata_endpoint"], p+".metadata_endpoint", "only applies with metadata: true")
	}
	switch {
	case len(methods) > 1:
		v.errorf(node, p, "set exactly one authentication method, found %s", strings.Join(methods, " and "))
	case a.IAM != nil:
		v.iam(a.IAM, t.Region, p+".iam")
	case a.OIDC != nil:
		v.oidc(a.OIDC, p+".oidc")
	case a.Metadata:
		a.MetadataEndpoint = endpoint.Metadata
		if v.set(p + ".metadata_endpoint") {
			a.MetadataEndpoint = v.url(v.at[p+".metadata_endpoint"].Value, p+".metadata_endpoint", endpoint.Metadata)
		}
	case len(methods) == 1:
		if !v.anySet(p, "access_key", "access_key_file") {
			v.errorf(node, p, "access_key (or access_key_file) is required with secret_key or secret_key_file")
		}
		// The access key is no secret, but it rotates with the secret key,
		// so it may come from a file of the same Secret volume.
		a.AccessKey = string(v.secret(p, "access_key", Secret(a.AccessKey), &a.AccessKeyFile, false))
		a.SecretKey = v.secret(p, "secret_key", a.SecretKey, &a.SecretKeyFile, true)
		a.SecurityToken = v.secret(p, "security_token", a.SecurityToken, &a.SecurityTokenFile, false)
	case !v.bad[p]:
		v.fromEnv(a, p, node)
	}
}

func (v *validator) anySet(prefix string, keys ...string) bool {
	for _, k := range keys {
		if v.set(prefix+"."+k) || v.bad[prefix+"."+k] {
			return true
		}
	}
	return false
}

func (v *validator) iam(i *IAM, region, p string) {
	node := v.at[p]
	if i.Domain == "" && !v.bad[p+".domain"] {
		v.errorf(node, p, "domain is required (the account name the IAM user belongs to)")
	}
	if i.Username == "" && !v.bad[p+".username"] {
		v.errorf(node, p, "username is required")
	}
	i.Password = v.secret(p, "password", i.Password, &i.PasswordFile, true)
	switch {
	case v.set(p + ".endpoint"):
		i.Endpoint = v.url(i.Endpoint, p+".endpoint", endpoint.IAM(exampleRegion))
	case region != "":
		i.Endpoint = endpoint.IAM(region)
	}
}

// fromEnv takes credentials from the environment, in the order Huawei's
// SDK does: an identity provider with an ID token file first, then an
// access key. Their values are never part of a message, only the variable
// names.
func (v *validator) fromEnv(a *Auth, p string, node *yaml.Node) {
	idp, tokenFile := v.getenv(EnvIdpID), v.getenv(EnvIDTokenFile)
	if idp != "" && tokenFile != "" {
		v.oidcFromEnv(a, idp, tokenFile, p, node)
		return
	}
	ak, sk := v.getenv(EnvAccessKey), v.getenv(EnvSecretKey)
	switch {
	case ak == "" && sk == "" && idp != "":
		v.errorf(node, p, "%s is set but %s is empty", EnvIdpID, EnvIDTokenFile)
	case ak == "" && sk == "" && tokenFile != "":
		v.errorf(node, p, "%s is set but %s is empty", EnvIDTokenFile, EnvIdpID)
	case ak == "" && sk == "":
		v.errorf(node, p, "no authentication: set access_key with secret_key_file, iam, oidc, or metadata: true, "+
			"or the environment variables %s and %s (or %s and %s)", EnvAccessKey, EnvSecretKey, EnvIdpID, EnvIDTokenFile)
	case ak == "":
		v.errorf(node, p, "%s is set but %s is empty", EnvSecretKey, EnvAccessKey)
	case sk == "":
		v.errorf(node, p, "%s is set but %s is empty", EnvAccessKey, EnvSecretKey)
	default:
		a.AccessKey, a.SecretKey = ak, Secret(sk)
		a.SecurityToken = Secret(v.getenv(EnvSecurityToken))
		a.FromEnv = true
	}
}

// secret resolves a secret given inline under key or in the file named
// under key_file; exactly one of the two when required, at most one
// otherwise. A relative *file becomes absolute, so that the client can
// read the file again when it changes whatever the working directory.
func (v *validator) secret(p, key string, inline Secret, file *string, required bool) Secret {
	ip, fp := p+"."+key, p+"."+key+"_file"
	switch {
	case v.set(ip) && v.set(fp):
		v.errorf(v.at[fp], fp, "set %s or %s_file, not both", key, key)
	case v.set(fp):
		return v.readSecret(fp, file)
	case v.set(ip) && inline == "":
		v.errorf(v.at[ip], ip, "is empty")
	case !v.set(ip) && required && !v.bad[ip] && !v.bad[fp]:
		v.errorf(v.at[p], p, "%s_file (or %s) is required", key, key)
	}
	return inline
}

// readSecret reads a secret file, dropping the trailing newline editors
// and `echo` add. Messages name neither the file nor its content: a secret
// typed in place of the path would be quoted.
func (v *validator) readSecret(path string, file *string) Secret {
	n := v.at[path]
	if *file == "" {
		v.errorf(n, path, "is empty; give the path of a file holding the secret")
		return ""
	}
	full := *file
	if !filepath.IsAbs(full) {
		full = filepath.Join(v.baseDir, full)
	}
	*file = absPath(full)
	return v.readFile(n, path, *file, false)
}

// absPath makes a path absolute, from the working directory when relative.
func absPath(file string) string {
	if abs, err := filepath.Abs(file); err == nil {
		return abs
	}
	return file
}

// readFile reads the secret file full for the key at path (reported at n).
// A path from the configuration is not quoted (a secret may have been typed
// in its place); one from an environment variable is.
func (v *validator) readFile(n *yaml.Node, path, full string, fromEnv bool) Secret {
	file, note := "the file it names", " ("+pathHidden+")"
	if fromEnv {
		file, note = quote(full), ""
	}
	s, _, err := secretfile.Read(full)
	switch {
	case errors.Is(err, secretfile.ErrTooLarge):
		v.errorf(n, path, "%s is larger than %d KiB; is it the right file?%s", file, secretfile.MaxSize>>10, note)
	case errors.Is(err, secretfile.ErrEmpty):
		v.errorf(n, path, "%s is empty%s", file, note)
	case err != nil:
		v.errorf(n, path, "cannot read %s: %s%s", file, err, note)
	}
	return Secret(s)
}

// pathHidden says why a message leaves out the path of a secret file.
const pathHidden = "path not shown: values under auth may be secrets"
