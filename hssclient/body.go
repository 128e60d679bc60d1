package hssclient

import (
	"errors"

	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/hssclient/transport"
)

// Every answer is read through a cap: a 200 page to a few MiB (see
// stream.go for how it is decoded), an error answer to maxErrorBody.

// The body cap of a page answer, when Config.MaxBodyBytes does not set one:
// room for the envelope plus a generous allowance per row asked for. A real
// row is well under 1 KiB (the start command is the only long field), so a
// 200-row page of a few hundred KiB fits ten times over, and the cap bounds
// memory to a few MiB per request in flight. A page of rows longer still
// is asked for again in smaller pages (see walk): at 10 rows a row may
// take over 100 KiB.
const (
	pageBodyBase   = 1 << 20
	pageBodyPerRow = 8 << 10
	// maxErrorBody bounds what is read of a non-200 answer: only its
	// error_code, error_msg and request_id are used.
	maxErrorBody = 64 << 10
)

// pageBodyLimit is the body cap of a page of limit rows.
func (c *Client) pageBodyLimit(limit int) int64 {
	if c.cfg.MaxBodyBytes > 0 {
		return c.cfg.MaxBodyBytes
	}
	if limit <= 0 {
		limit = MaxPageSize
	}
	return pageBodyBase + int64(limit)*pageBodyPerRow
}

// isMalformedPage reports whether err is a 200 answer of the API that was
// no page. It is retried like a server error, as a gateway or backend in
// trouble sends such answers; one over its cap is not, as asking again
// downloads the same cap's worth of bytes to fail the same way. A
// malformed answer of IAM or the metadata service is their own matter.
func isMalformedPage(err error) bool {
	var decErr *transport.DecodeError
	return errors.As(err, &decErr) && decErr.Operation != auth.OpIAMToken && decErr.Operation != auth.OpMetadata &&
		!errors.Is(err, transport.ErrBodyTooLarge)
}
