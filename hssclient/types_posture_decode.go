package hssclient

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
)

// The posture answers are decoded as leniently as the inventory's (see
// types_decode.go): counts through count, booleans through flag, and null
// rows dropped, since a row of nothing says nothing about any node or
// edition.

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

// UnmarshalJSON implements json.Unmarshaler.
func (p *ContainerNodePage) UnmarshalJSON(b []byte) error {
	type plain ContainerNodePage
	var v struct {
		plain
		TotalNum count `json:"total_num"`
	}
	if err := unmarshalCounts(b, &v); err != nil {
		return err
	}
	*p = ContainerNodePage(v.plain)
	p.TotalNum = int64(v.TotalNum)
	return nil
}

// UnmarshalJSON implements json.Unmarshaler. A null row stays the zero
// ContainerNode, which EachContainerNode skips.
func (n *ContainerNode) UnmarshalJSON(b []byte) error {
	type plain ContainerNode
	var v struct {
		plain
		ProtectInterrupt   flag  `json:"protect_interrupt"`
		ProtectDegradation flag  `json:"protect_degradation"`
		Asset              count `json:"asset"`
		Vulnerability      count `json:"vulnerability"`
		Intrusion          count `json:"intrusion"`
	}
	if string(bytes.TrimSpace(b)) == "null" {
		return nil
	}
	if err := unmarshalCounts(b, &v); err != nil {
		return err
	}
	*n = ContainerNode(v.plain)
	n.ProtectInterrupt, n.ProtectDegradation = bool(v.ProtectInterrupt), bool(v.ProtectDegradation)
	n.Asset, n.Vulnerability, n.Intrusion = int64(v.Asset), int64(v.Vulnerability), int64(v.Intrusion)
	return nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (e *EventSeverity) UnmarshalJSON(b []byte) error {
	var v struct {
		TotalNum    count `json:"total_num"`
		LowNum      count `json:"low_num"`
		MediumNum   count `json:"medium_num"`
		HighNum     count `json:"high_num"`
		CriticalNum count `json:"critical_num"`
	}
	if err := unmarshalCounts(b, &v); err != nil {
		return err
	}
	*e = EventSeverity{TotalNum: int64(v.TotalNum), LowNum: int64(v.LowNum), MediumNum: int64(v.MediumNum),
		HighNum: int64(v.HighNum), CriticalNum: int64(v.CriticalNum)}
	return nil
}

// UnmarshalJSON implements json.Unmarshaler, dropping null editions.
func (q *ResourceQuotas) UnmarshalJSON(b []byte) error {
	var v struct {
		DataList []*ResourceQuota `json:"data_list"`
	}
	if err := unmarshalCounts(b, &v); err != nil {
		return err
	}
	q.DataList = make([]ResourceQuota, 0, len(v.DataList))
	for _, row := range v.DataList {
		if row != nil {
			q.DataList = append(q.DataList, *row)
		}
	}
	return nil
}

// UnmarshalJSON implements json.Unmarshaler, dropping null resources.
func (q *ResourceQuota) UnmarshalJSON(b []byte) error {
	var v struct {
		Version                string               `json:"version"`
		TotalNum               count                `json:"total_num"`
		UsedNum                count                `json:"used_num"`
		AvailableNum           count                `json:"available_num"`
		AvailableResourcesList []*AvailableResource `json:"available_resources_list"`
	}
	if err := unmarshalCounts(b, &v); err != nil {
		return err
	}
	*q = ResourceQuota{Version: v.Version, TotalNum: int64(v.TotalNum), UsedNum: int64(v.UsedNum),
		AvailableNum: int64(v.AvailableNum)}
	for _, r := range v.AvailableResourcesList {
		if r != nil {
			q.AvailableResourcesList = append(q.AvailableResourcesList, *r)
		}
	}
	return nil
}
