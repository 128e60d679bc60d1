package auth

func (a *akskAuth) AuthHint() string {
	ak, token := a.current()
	keys := "access_key and secret_key"
	if token != "" {
		keys = "access_key, secret_key and security_token (temporary keys expire)"
	}
	return "check: the signature was refused; check the target's " + keys +
		" (access key " + maskAccessKey(ak) + "); tried again only after a growing wait, or at once when the key files change, " +
		"as HSS locks an access key for 5 minutes after 5 failures"
}

func (a *iamAuth) AuthHint() string {
	return "check: the API refused a fresh IAM token twice; check that project_id and region match the HSS endpoint " +
		"and that user " + a.cfg.Username + "@" + a.cfg.Domain + " is enabled"
}

func (a *metadataAuth) AuthHint() string {
	return "check: the API refused fresh ECS agency credentials twice; check the IAM agency bound to this VM"
}

func (a *oidcAuth) AuthHint() string {
	return "check: the API refused fresh temporary keys from identity provider " + a.cfg.IdpID +
		" twice; check that its identity conversion rule maps this service account to a user group " +
		`holding "HSS ReadOnlyAccess" in this project`
}

// hintIDTokenRefused says what IAM checks before it takes an ID token.
func (a *oidcAuth) hintIDTokenRefused() string {
	return "check: IAM refused the ID token for identity provider " + a.cfg.IdpID +
		"; check that the provider exists with protocol OpenID Connect, that its identity provider URL is the " +
		"token's issuer, its signing key the issuer's current JWKS and its client ID the token's audience, " +
		"that an identity conversion rule matches the token's subject, and that id_token_file holds a current token"
}

// hintOIDCKeysRefused: the federated token was issued but IAM would not
// turn it into keys.
const hintOIDCKeysRefused = "check: IAM issued a federated token but refused temporary keys for it; " +
	"check that the identity provider's conversion rule maps to a user group with permissions"

// hintIAMRejected is added to IAM's refusal of the password: it is asked
// again only after a growing wait, as IAM locks a user after wrong passwords.
const hintIAMRejected = "check: IAM refused the password; check the iam domain, username and password " +
	"(tried again only after a growing wait, or at once when password_file changes: " +
	"IAM locks a user after repeated wrong passwords)"
