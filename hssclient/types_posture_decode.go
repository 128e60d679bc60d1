package hssclient

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
)

// The posture answers are decoded as leniently as the inventory's, by the
// rules of decodeWire (wire.go).

// flag is a bool that also accepts "true"/"false", 1/0 and null (false), the
// shapes other serializers give a boolean. Anything else is an error naming
// the field.
type flag bool

// UnmarshalJSON implements json.Unmarshaler.
func (f *flag) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1":
		*f = true
	case "false", "0", "null", "":
		*f = false
	default:
		return &json.UnmarshalTypeError{Value: "value", Type: reflect.TypeFor[bool]()}
	}
	return nil
}

// UnmarshalJSON implements json.Unmarshaler by the rules of decodeWire.
func (p *ContainerNodePage) UnmarshalJSON(b []byte) error { return decodeWire(b, p) }

// UnmarshalJSON implements json.Unmarshaler by the rules of decodeWire. A
// null row stays the zero ContainerNode, which EachContainerNode skips.
func (n *ContainerNode) UnmarshalJSON(b []byte) error { return decodeWire(b, n) }

// UnmarshalJSON implements json.Unmarshaler by the rules of decodeWire.
func (e *EventSeverity) UnmarshalJSON(b []byte) error { return decodeWire(b, e) }

// UnmarshalJSON implements json.Unmarshaler by the rules of decodeWire,
// dropping null editions.
func (q *ResourceQuotas) UnmarshalJSON(b []byte) error { return decodeWire(b, q) }

// UnmarshalJSON implements json.Unmarshaler by the rules of decodeWire,
// dropping null resources.
func (q *ResourceQuota) UnmarshalJSON(b []byte) error { return decodeWire(b, q) }
