package hssclient

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
)

// The wire structs (types.go, types_posture.go) are decoded by one set of
// lenient rules, derived from their fields rather than written out per
// type: an upstream serializer may send 3.0 or "12" for a count and "true"
// or 1 for a boolean, and one such field must not fail a whole answer.
//
//   - int64 fields decode through count, bool fields through flag;
//   - a slice tagged hss:"dropnull" loses its null elements (a row of
//     nothing says nothing about any edition or resource);
//   - an int64 tagged hss:"unknown=Field" sets the bool Field when the
//     value is null or absent: unknown, not zero;
//   - a string tagged hss:"text" also takes a number (free text such as
//     a CPU limit, which a serializer may write as 2 for "2");
//   - fields tagged json:"-" are left zero.
//
// Each type's UnmarshalJSON calls decodeWire, which decodes into a shadow
// struct of those lenient types, built once per type, and converts it
// once into the wire struct. A null document leaves the value as it is
// (a null row stays the zero row, which the pagers skip).

// decodeWire decodes b into *out by the rules above.
func decodeWire[T any](b []byte, out *T) error {
	if string(bytes.TrimSpace(b)) == "null" {
		return nil
	}
	plan := wirePlanFor(reflect.TypeFor[T]())
	shadow := reflect.New(plan.shadow)
	if err := json.Unmarshal(b, shadow.Interface()); err != nil {
		return err
	}
	var v T
	plan.convert(shadow.Elem(), reflect.ValueOf(&v).Elem())
	*out = v
	return nil
}

// How one field of a wire struct is converted from its shadow.
const (
	wireCopy     = iota // same type: copied as it is
	wireCount           // int64 from count
	wireMaybe           // int64 from *count; nil sets the unknown flag
	wireFlag            // bool from flag
	wireDropNull        // []E from []*E, without the nil elements
	wireText            // string from text
)

type wireField struct {
	kind    int
	index   int // the field's index in the wire struct
	unknown int // wireMaybe: the index of the bool set when null or absent
}

// wirePlan is the shadow struct of a wire struct, its fields in order.
type wirePlan struct {
	shadow reflect.Type
	fields []wireField
}

var wirePlans sync.Map // reflect.Type -> *wirePlan

func wirePlanFor(t reflect.Type) *wirePlan {
	if p, ok := wirePlans.Load(t); ok {
		return p.(*wirePlan)
	}
	p := buildWirePlan(t)
	wirePlans.Store(t, p)
	return p
}

var (
	countType = reflect.TypeFor[count]()
	flagType  = reflect.TypeFor[flag]()
	textType  = reflect.TypeFor[text]()
)

func buildWirePlan(t reflect.Type) *wirePlan {
	p := &wirePlan{}
	var fields []reflect.StructField
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Tag.Get("json") == "-" || !f.IsExported() {
			continue
		}
		wf, typ := wireField{kind: wireCopy, index: i}, f.Type
		rule, arg, _ := strings.Cut(f.Tag.Get("hss"), "=")
		switch {
		case f.Type.Kind() == reflect.Int64 && rule == "unknown":
			other, ok := t.FieldByName(arg)
			if !ok || other.Type.Kind() != reflect.Bool {
				panic("hssclient: " + t.Name() + "." + f.Name + ": no bool field " + arg)
			}
			wf.kind, wf.unknown, typ = wireMaybe, other.Index[0], reflect.PointerTo(countType)
		case f.Type.Kind() == reflect.Int64:
			wf.kind, typ = wireCount, countType
		case f.Type.Kind() == reflect.Bool:
			wf.kind, typ = wireFlag, flagType
		case f.Type.Kind() == reflect.String && rule == "text":
			wf.kind, typ = wireText, textType
		case f.Type.Kind() == reflect.Slice && rule == "dropnull":
			wf.kind, typ = wireDropNull, reflect.SliceOf(reflect.PointerTo(f.Type.Elem()))
		}
		fields = append(fields, reflect.StructField{Name: f.Name, Type: typ, Tag: reflect.StructTag(`json:"` + f.Tag.Get("json") + `"`)})
		p.fields = append(p.fields, wf)
	}
	p.shadow = reflect.StructOf(fields)
	return p
}

// convert sets the fields of dst, a wire struct, from src, its shadow.
func (p *wirePlan) convert(src, dst reflect.Value) {
	for j, f := range p.fields {
		from, to := src.Field(j), dst.Field(f.index)
		switch f.kind {
		case wireCopy:
			to.Set(from)
		case wireCount:
			to.SetInt(from.Int())
		case wireMaybe:
			if from.IsNil() {
				dst.Field(f.unknown).SetBool(true)
			} else {
				to.SetInt(from.Elem().Int())
			}
		case wireFlag:
			to.SetBool(from.Bool())
		case wireText:
			to.SetString(from.String())
		case wireDropNull:
			for k := range from.Len() {
				if e := from.Index(k); !e.IsNil() {
					to.Set(reflect.Append(to, e.Elem()))
				}
			}
		}
	}
}
