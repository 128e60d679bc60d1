package transport

import (
	"errors"
	"fmt"
	"io"
)

// ErrBodyTooLarge marks an answer over its cap.
var ErrBodyTooLarge = errors.New("response body larger")

// BoundedBody reads an answer up to limit bytes. It fails past the limit
// and remembers a transport failure, so that a cut connection is told
// apart from bad JSON.
type BoundedBody struct {
	r        io.Reader
	limit    int64
	left     int64
	tooLarge bool
	readErr  error
}

// NewBoundedBody reads r up to limit bytes.
func NewBoundedBody(r io.Reader, limit int64) *BoundedBody {
	return &BoundedBody{r: r, limit: limit, left: limit}
}

func (b *BoundedBody) Read(p []byte) (int, error) {
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

func (b *BoundedBody) note(err error) {
	if err != nil && err != io.EOF && b.readErr == nil {
		b.readErr = err
	}
}

func (b *BoundedBody) tooLargeErr() error {
	return fmt.Errorf("%w than %d bytes", ErrBodyTooLarge, b.limit)
}

// Classify turns the failure of decoding what b read into the client's
// error types: an answer over the cap or not the expected JSON is a
// *DecodeError, a transport failure mid-body a *NetworkError.
func (b *BoundedBody) Classify(op string, err error) error {
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
	return &DecodeError{Operation: op, Err: SafeJSONError(err)}
}

// ReadBounded reads at most limit bytes and fails clearly beyond that.
func ReadBounded(r io.Reader, limit int64) ([]byte, error) {
	b := NewBoundedBody(r, limit)
	body, err := io.ReadAll(b)
	switch {
	case b.tooLarge:
		return nil, b.tooLargeErr()
	case err != nil:
		return nil, fmt.Errorf("reading response body: %w", err)
	}
	return body, nil
}
