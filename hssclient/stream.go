package hssclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
)

// A page answer is read from the connection as it arrives, a row at a
// time, through a cap on its size: a hostile or broken server can send
// hundreds of megabytes, and encoding/json.Unmarshal (like Decoder.Decode
// of the whole page) would hold all of it, then its rows, in memory.

// The body cap of a page answer, when Config.MaxBodyBytes does not set one:
// room for the envelope plus a generous allowance per row asked for. A real
// row is well under 1 KiB (entry_point is the only long field), so a
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
		limit = DefaultPageSize
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

// answerDecoder decodes a 200 answer as a stream. A body that is an error
// in disguise ({"error_code": ...}) comes back as its errorBody.
type answerDecoder interface {
	decodeAnswer(dec *json.Decoder) (*errorBody, error)
}

// wholeAnswer decodes a 200 answer that is no inventory page (the posture
// calls) into out as encoding/json does, within the cap: the answer is
// small, so it is held whole, once, and checked for an error in disguise.
type wholeAnswer struct{ out any }

func (w wholeAnswer) decodeAnswer(dec *json.Decoder) (*errorBody, error) {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	if err := endOfBody(dec); err != nil {
		return nil, err
	}
	var eb errorBody
	if bytes.Contains(raw, []byte(`"error_code"`)) && json.Unmarshal(raw, &eb) == nil && eb.ErrorCode != "" {
		return &eb, nil
	}
	return nil, json.Unmarshal(raw, w.out)
}

// decoderFor returns how a 200 answer is decoded into out: as a stream
// when out knows how, whole otherwise.
func decoderFor(out any) answerDecoder {
	if d, ok := out.(answerDecoder); ok {
		return d
	}
	return wholeAnswer{out}
}

// pageStream decodes one page of a listing: {"total_num": N,
// "data_list": [rows]}, other keys ignored. Both keys are required and
// data_list may not be null: an answer without them is no page, and taken
// as an empty one it would wipe the inventory (a misconfigured gateway
// answering 200 with {} or null).
type pageStream[T any] struct {
	// offset is the request's offset, or -1 when unknown: a first page
	// with no row while total_num promises some contradicts itself.
	offset int64
	total  *int64
	rows   *[]T
	scrub  func(*T) // drops what must never be kept; may be nil
}

func (p *pageStream[T]) decodeAnswer(dec *json.Decoder) (*errorBody, error) {
	*p.total, *p.rows = 0, nil // a retry decodes into the same page
	if err := openObject(dec); err != nil {
		return nil, err
	}
	var eb errorBody
	haveTotal, haveList := false, false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var ferr error
		switch key, _ := tok.(string); key {
		case "total_num":
			haveTotal, ferr = p.decodeTotal(dec)
		case "data_list":
			haveList, ferr = p.decodeRows(dec)
		case "error_code", "error_msg", "request_id":
			ferr = decodeErrorField(dec, key, &eb)
		default:
			ferr = dec.Decode(new(json.RawMessage))
		}
		if ferr != nil {
			return nil, ferr
		}
	}
	if err := closeDocument(dec); err != nil {
		return nil, err
	}
	if eb.ErrorCode != "" {
		return &eb, nil
	}
	return nil, p.check(haveTotal, haveList)
}

// check reports a page that decoded but is no whole page.
func (p *pageStream[T]) check(haveTotal, haveList bool) error {
	switch {
	case !haveTotal:
		return errMalformed("total_num is missing or null")
	case !haveList:
		return errMalformed("data_list is missing or null")
	case *p.total < 0:
		return errMalformed("total_num is negative")
	case p.offset == 0 && len(*p.rows) == 0 && *p.total > 0:
		return errMalformed("total_num is " + strconv.FormatInt(*p.total, 10) + " but the first page holds no row")
	}
	return nil
}

// errMalformed is a page that is valid JSON but no page; it is wrapped in
// a *DecodeError by boundedBody.classify.
func errMalformed(msg string) error { return &DecodeError{Err: errors.New(msg)} }

func (p *pageStream[T]) decodeTotal(dec *json.Decoder) (bool, error) {
	var n *count
	if err := dec.Decode(&n); err != nil {
		return false, inField(err, "total_num")
	}
	if n == nil {
		return false, nil
	}
	*p.total = int64(*n)
	return true, nil
}

// decodeRows reads data_list one row at a time, scrubbing each at once.
func (p *pageStream[T]) decodeRows(dec *json.Decoder) (bool, error) {
	tok, err := dec.Token()
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		typeErr.Type, typeErr.Field = reflect.TypeFor[[]T](), "data_list"
	}
	if err != nil {
		return false, err
	}
	if tok == nil {
		*p.rows = nil // null, as encoding/json would leave it
		return false, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return false, &json.UnmarshalTypeError{Value: jsonKind(tok), Type: reflect.TypeFor[[]T](), Field: "data_list"}
	}
	*p.rows = []T{}
	for dec.More() {
		var row T
		if err := dec.Decode(&row); err != nil {
			return false, inField(err, "data_list")
		}
		if p.scrub != nil {
			p.scrub(&row)
		}
		*p.rows = append(*p.rows, row)
	}
	_, err = dec.Token() // ']'
	return true, err
}

// decodeErrorField keeps error_code, error_msg or request_id when it is a
// string, as the error body of a 200 in disguise.
func decodeErrorField(dec *json.Decoder, key string, eb *errorBody) error {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return nil // not a string: not an error body's field
	}
	switch key {
	case "error_code":
		eb.ErrorCode = s
	case "error_msg":
		eb.ErrorMsg = s
	default:
		eb.RequestID = s
	}
	return nil
}

// openObject reads the '{' a page starts with.
func openObject(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errMalformed("the answer is " + jsonKind(tok) + ", not a JSON object")
	}
	return nil
}

// closeDocument reads the '}' a page ends with and makes sure nothing but
// white space follows, reading the body to its end.
func closeDocument(dec *json.Decoder) error {
	if _, err := dec.Token(); err != nil {
		return err
	}
	return endOfBody(dec)
}

// endOfBody makes sure nothing but white space follows the JSON value,
// reading the body to its end.
func endOfBody(dec *json.Decoder) error {
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = &json.SyntaxError{Offset: dec.InputOffset()}
		}
		return err
	}
	return nil
}

// inField names the JSON field an error of a nested value is about.
func inField(err error, field string) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field == "" {
			typeErr.Field = field
		} else {
			typeErr.Field = field + "." + typeErr.Field
		}
	}
	return err
}

// jsonKind names the kind of a JSON token without quoting it.
func jsonKind(tok json.Token) string {
	switch v := tok.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case float64, json.Number:
		return "number"
	case string:
		return "string"
	case json.Delim:
		if v == '[' {
			return "array"
		}
		return "object"
	}
	return "something else"
}
