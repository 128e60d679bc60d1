package transport

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// DecodeError reports a 200 answer that is not what was asked for: not
// the expected JSON, larger than its cap, or no whole page (total_num or
// data_list missing or null, or no row on a first page that total_num
// says has some). Its message never quotes the body.
type DecodeError struct {
	Operation string
	Err       error
}

func (e *DecodeError) Error() string {
	return e.Operation + ": malformed response: " + e.Err.Error()
}

func (e *DecodeError) Unwrap() error { return e.Err }

// SafeJSONError describes a JSON failure by position or field and JSON kind,
// without quoting the document: it may hold credentials (IAM, metadata) or
// be arbitrarily long.
func SafeJSONError(err error) error {
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return fmt.Errorf("not valid JSON (at byte %d)", syntaxErr.Offset)
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		// Value is "string", "number", or "number <literal>": keep the kind.
		kind, _, _ := strings.Cut(typeErr.Value, " ")
		want := "a different type"
		if typeErr.Type != nil {
			want = CleanText(typeErr.Type.String(), 64)
		}
		return fmt.Errorf("unexpected JSON type at %q: %s where %s was expected (or out of range)",
			CleanText(typeErr.Field, 128), CleanText(kind, 16), want)
	}
	return errors.New("not valid JSON")
}
