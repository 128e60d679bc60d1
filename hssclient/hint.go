package hssclient

import (
	"errors"
	"fmt"
	"net/http"
)

// authHinter is implemented by Authenticators that can tell the operator
// what to check when the API refuses their credentials.
type authHinter interface {
	authHint() string
}

// hintForbidden is the same for every kind of credential: they were
// accepted, but the identity behind them may not read HSS in this project.
const hintForbidden = `check: the credentials were accepted but lack permission; grant the IAM user ` +
	`(or the ECS agency) read-only HSS access, e.g. the system policy "HSS ReadOnlyAccess", ` +
	`in project %s, and check project_id and enterprise_project_id`

// withAuthHint adds to a final 401 or 403 (or HSS's 400 HSS.0013, which is
// how a caller limited to one enterprise project is refused) what the
// operator should fix, since the exporter will not retry it and the log
// line is all they see.
func withAuthHint(err error, auth Authenticator, projectID string) error {
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Hint != "" {
		return err
	}
	switch apiErr.StatusCode {
	case http.StatusUnauthorized:
		apiErr.Hint = "check: the API refused the target's credentials"
		if h, ok := auth.(authHinter); ok {
			apiErr.Hint = h.authHint()
		}
	case http.StatusForbidden:
		apiErr.Hint = fmt.Sprintf(hintForbidden, cleanText(projectID, 64))
	case http.StatusBadRequest:
		if apiErr.Code == codeNoPermission {
			apiErr.Hint = fmt.Sprintf(hintForbidden, cleanText(projectID, 64))
		}
	}
	return err
}

func (a *akskAuth) authHint() string {
	ak, token := a.current()
	keys := "access_key and secret_key"
	if token != "" {
		keys = "access_key, secret_key and security_token (temporary keys expire)"
	}
	return "check: the signature was refused; check the target's " + keys +
		" (access key " + maskAccessKey(ak) + "); tried again only after a growing wait, or at once when the key files change, " +
		"as HSS locks an access key for 5 minutes after 5 failures"
}

func (a *iamAuth) authHint() string {
	return "check: the API refused a fresh IAM token twice; check that project_id and region match the HSS endpoint " +
		"and that user " + a.cfg.Username + "@" + a.cfg.Domain + " is enabled"
}

func (a *metadataAuth) authHint() string {
	return "check: the API refused fresh ECS agency credentials twice; check the IAM agency bound to this VM"
}

func (a *oidcAuth) authHint() string {
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
