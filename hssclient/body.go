package hssclient

import (
	"errors"
	"fmt"
	"io"
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

// errBodyTooLarge marks an answer over its cap.
var errBodyTooLarge = errors.New("response body larger")

// boundedBody reads an answer up to limit bytes. It fails past the limit
// and remembers a transport failure, so that a cut connection is told
// apart from bad JSON.
type boundedBody struct {
	r        io.Reader
	limit    int64
	left     int64
	tooLarge bool
	readErr  error
}

func newBoundedBody(r io.Reader, limit int64) *boundedBody {
	return &boundedBody{r: r, limit: limit, left: limit}
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// At the cap: one more byte says whether the body goes on.
		var one [1]byte
		n, err := b.r.Read(one[:])
		if n > 0 {
			b.tooLarge = true
			return 0, b.tooLargeErr()
		}
		b.note(err)
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	b.note(err)
	return n, err
}

func (b *boundedBody) note(err error) {
	if err != nil && err != io.EOF && b.readErr == nil {
		b.readErr = err
	}
}

func (b *boundedBody) tooLargeErr() error {
	return fmt.Errorf("%w than %d bytes", errBodyTooLarge, b.limit)
}

// classify turns the failure of decoding what b read into the client's
// error types: an answer over the cap or not the expected JSON is a
// *DecodeError, a transport failure mid-body a *NetworkError.
func (b *boundedBody) classify(op string, err error) error {
	switch {
	case b.tooLarge:
		return &DecodeError{Operation: op, Err: b.tooLargeErr()}
	case b.readErr != nil:
		return &NetworkError{Operation: op, Err: fmt.Errorf("reading response body: %w", b.readErr)}
	}
	var decErr *DecodeError
	if errors.As(err, &decErr) {
		decErr.Operation = op
		return decErr
	}
	return &DecodeError{Operation: op, Err: safeJSONError(err)}
}

// isMalformedPage reports whether err is a 200 answer of the API that was
// no page. It is retried like a server error, as a gateway or backend in
// trouble sends such answers; one over its cap is not, as asking again
// downloads the same cap's worth of bytes to fail the same way. A
// malformed answer of IAM or the metadata service is their own matter.
func isMalformedPage(err error) bool {
	var decErr *DecodeError
	return errors.As(err, &decErr) && decErr.Operation != OpIAMToken && decErr.Operation != OpMetadata &&
		!errors.Is(err, errBodyTooLarge)
}

// readBounded reads at most limit bytes and fails clearly beyond that.
func readBounded(r io.Reader, limit int64) ([]byte, error) {
	b := newBoundedBody(r, limit)
	body, err := io.ReadAll(b)
	switch {
	case b.tooLarge:
		return nil, b.tooLargeErr()
	case err != nil:
		return nil, fmt.Errorf("reading response body: %w", err)
	}
	return body, nil
}
