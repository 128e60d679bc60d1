package hssclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"

	"github.com/hss-exporter/hss_exporter/hssclient/transport"
)

// A page answer is read from the connection as it arrives, a row at a
// time, through a cap on its size: a hostile or broken server can send
// hundreds of megabytes, and encoding/json.Unmarshal (like Decoder.Decode
// of the whole page) would hold all of it, then its rows, in memory.

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
	// counts are the page's other count fields to keep, by key
	// (ListContainers' last_update_time); may be nil. Null or missing
	// leaves them 0.
	counts map[string]*int64
}

func (p *pageStream[T]) decodeAnswer(dec *json.Decoder) (*errorBody, error) {
	*p.total, *p.rows = 0, nil // a retry decodes into the same page
	for _, dst := range p.counts {
		*dst = 0
	}
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
			ferr = p.decodeOther(dec, key)
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
// a *transport.DecodeError by transport.BoundedBody.Classify.
func errMalformed(msg string) error { return &transport.DecodeError{Err: errors.New(msg)} }

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

// decodeOther keeps key's value when it is one of p.counts, and skips it
// otherwise.
func (p *pageStream[T]) decodeOther(dec *json.Decoder, key string) error {
	dst, ok := p.counts[key]
	if !ok {
		return dec.Decode(new(json.RawMessage))
	}
	var n count
	if err := dec.Decode(&n); err != nil {
		return inField(err, key)
	}
	*dst = int64(n)
	return nil
}

// decodeRows reads data_list one row at a time.
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
	// total_num usually comes first: size the page for what it promises
	// (at most the largest page HSS serves), not by doubling.
	capacity := 0
	if p.offset >= 0 && *p.total > p.offset {
		capacity = int(min(*p.total-p.offset, MaxPageSize))
	}
	*p.rows = make([]T, 0, capacity)
	for dec.More() {
		var row T
		if err := dec.Decode(&row); err != nil {
			return false, inField(err, "data_list")
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
