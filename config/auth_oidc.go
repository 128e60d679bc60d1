package config

import (
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hss-exporter/hss_exporter/internal/endpoint"
)

// idpIDRE keeps the identity provider ID to what IAM allows in its names
// (letters, digits, - and _, at most 64), plus dots; it goes into the
// X-Idp-Id header as written.
var idpIDRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// oidc checks an auth.oidc block. The ID token file must be readable now,
// though its content is not kept: the client reads it for every exchange.
func (v *validator) oidc(o *OIDC, p string) {
	node := v.at[p]
	if v.bad[p] {
		return // not a mapping: said once already
	}
	switch {
	case v.bad[p+".idp_id"]:
	case o.IdpID == "":
		v.errorf(node, p, "idp_id is required (the name of the IAM identity provider of protocol OpenID Connect)")
	default:
		v.idpID(v.at[p+".idp_id"], p+".idp_id", o.IdpID)
	}
	fp := p + ".id_token_file"
	switch {
	case v.set(fp):
		v.readSecret(fp, &o.IDTokenFile)
	case !v.bad[fp]:
		v.errorf(node, p, "id_token_file is required (on Kubernetes, the path of the projected service account token)")
	}
	if v.set(p + ".endpoint") {
		o.Endpoint = v.url(o.Endpoint, p+".endpoint", endpoint.GlobalIAM)
	}
}

func (v *validator) idpID(n *yaml.Node, path, id string) {
	if !idpIDRE.MatchString(id) {
		shown := quote(id) // from the environment
		if v.at[path] == n {
			shown = v.shown(n, path) // from the file: under auth, not quoted
		}
		v.errorf(n, path, "%s is not an identity provider ID; expected at most 64 letters, digits, -, _ or .", shown)
	}
}

// oidcFromEnv takes OIDC from HUAWEICLOUD_SDK_IDP_ID and
// HUAWEICLOUD_SDK_ID_TOKEN_FILE, and the endpoint from
// HUAWEICLOUD_SDK_IAM_ENDPOINT, which like the SDK may omit https://.
// A relative token file is taken from the working directory, as the SDK
// does. Problems are reported at the target, naming the variable.
func (v *validator) oidcFromEnv(a *Auth, idp, tokenFile, p string, node *yaml.Node) {
	o := &OIDC{IdpID: idp, IDTokenFile: absPath(filepath.Clean(tokenFile))}
	v.idpID(node, p+" ("+EnvIdpID+")", idp)
	v.readFile(node, p+" ("+EnvIDTokenFile+")", o.IDTokenFile, true)
	if e := v.getenv(EnvIAMEndpoint); e != "" {
		if !strings.Contains(e, "://") {
			e = "https://" + e
		}
		o.Endpoint = v.urlAt(node, e, p+" ("+EnvIAMEndpoint+")", endpoint.GlobalIAM)
	}
	a.OIDC, a.FromEnv = o, true
}
