package hssclient

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/hssclient/transport"
)

// authHinter is implemented by Authenticators that can tell the operator
// what to check when the API refuses their credentials.
type authHinter interface {
	AuthHint() string
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
func withAuthHint(err error, a auth.Authenticator, projectID string) error {
	var apiErr *transport.APIError
	if !errors.As(err, &apiErr) || apiErr.Hint != "" {
		return err
	}
	switch apiErr.StatusCode {
	case http.StatusUnauthorized:
		apiErr.Hint = "check: the API refused the target's credentials"
		if h, ok := a.(authHinter); ok {
			apiErr.Hint = h.AuthHint()
		}
	case http.StatusForbidden:
		apiErr.Hint = fmt.Sprintf(hintForbidden, transport.CleanText(projectID, 64))
	case http.StatusBadRequest:
		if apiErr.Code == codeNoPermission {
			apiErr.Hint = fmt.Sprintf(hintForbidden, transport.CleanText(projectID, 64))
		}
	}
	return err
}
