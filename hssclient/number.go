package hssclient

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// count is an int64 that also accepts the shapes a Java or gateway-side
// serializer gives an integer: 3.0, 1.5e3, "12". One such field must not
// fail a whole page (and with it a whole refresh) when its value is exact.
// A value that is no integer (1.5, "many") or beyond int64 is still an
// error: there is no right number to export for it.
type count int64

// errNotCount returns the error of a count that is no integer: a type
// error, so encoding/json adds the field's path and
// transport.SafeJSONError can name it. A fresh one each time: the decoder
// writes the path into it.
func errNotCount() error {
	return &json.UnmarshalTypeError{Value: "number", Type: reflect.TypeFor[int64]()}
}

// UnmarshalJSON decodes a JSON number, a string holding one, or null (0).
func (n *count) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return errNotCount()
		}
		b = []byte(strings.TrimSpace(s))
		if len(b) == 0 {
			*n = 0 // an empty string is the API's way of saying "none"
			return nil
		}
	}
	v, err := parseCount(string(b))
	if err != nil {
		return err
	}
	*n = count(v)
	return nil
}

// parseCount accepts an integer literal, or a float literal whose value is
// an exact integer within int64. The length bound keeps a hostile
// million-digit number from costing more than a glance.
func parseCount(s string) (int64, error) {
	if len(s) == 0 || len(s) > 40 {
		return 0, errNotCount()
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, nil
	}
	if !json.Valid([]byte(s)) || s[0] == '"' {
		return 0, errNotCount()
	}
	f, err := strconv.ParseFloat(s, 64)
	// 2^63 itself is not an int64; a float64 holds -2^63 exactly.
	if err != nil || f != math.Trunc(f) || f >= 1<<63 || f < -(1<<63) {
		return 0, errNotCount()
	}
	return int64(f), nil
}
