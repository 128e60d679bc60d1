package hssclient

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
)

// ClusterContainer is one row of ListContainers (ContainerBaseInfo): a pod
// container with its Kubernetes cluster and state. ContainerID is the ID
// ListLocalImageContainers gives the same container, so a row joins to an
// image and a host. Every field may be missing upstream; a missing count
// or flag reads as 0 or false.
type ClusterContainer struct {
	ID            string `json:"id"`
	RegionID      string `json:"region_id"`
	ContainerID   string `json:"container_id"`
	ContainerName string `json:"container_name"`
	// ImageName is name:version as HSS writes it; the inventory names the
	// image better (split at the last ':' of a tag only as a fallback).
	ImageName    string `json:"image_name"`
	Status       string `json:"status"`      // Running, Terminated, Waiting
	CreateTime   int64  `json:"create_time"` // Unix milliseconds
	CPULimit     string `json:"cpu_limit" hss:"text"`
	MemoryLimit  string `json:"memory_limit" hss:"text"`
	RestartCount int64  `json:"restart_count"` // documented 0..20
	PodName      string `json:"pod_name"`
	ClusterName  string `json:"cluster_name"`
	ClusterID    string `json:"cluster_id"`
	// ClusterType is k8s, cce, ali, tencent, azure, aws, self_built_hw or
	// self_built_idc.
	ClusterType string `json:"cluster_type"`
	Risky       bool   `json:"risky"`
	LowRisk     int64  `json:"low_risk"`
	MediumRisk  int64  `json:"medium_risk"`
	HighRisk    int64  `json:"high_risk"`
	FatalRisk   int64  `json:"fatal_risk"`
}

// ClusterContainerPage is one page of ListContainers.
type ClusterContainerPage struct {
	TotalNum       int64              `json:"total_num"`
	LastUpdateTime int64              `json:"last_update_time"` // Unix milliseconds; 0 when missing
	DataList       []ClusterContainer `json:"data_list"`
}

// ListClusterContainersRequest holds the query of ListContainers. Empty
// strings, a nil ClusterContainer and zero Limit are left out of the query.
type ListClusterContainersRequest struct {
	EnterpriseProjectID string
	ContainerName       string
	PodName             string
	ImageName           string
	// ClusterContainer filters on whether a cluster manages the container.
	// The API reference calls false its default without saying what false
	// selects: leave it nil to list every container.
	ClusterContainer *bool
	Offset           int64
	Limit            int
}

// stream returns the decoder of a page asked for at offset: total_num and
// data_list are required, as for the inventory's pages.
func (p *ClusterContainerPage) stream(offset int64) *pageStream[ClusterContainer] {
	return &pageStream[ClusterContainer]{offset: offset, total: &p.TotalNum, rows: &p.DataList,
		counts: map[string]*int64{"last_update_time": &p.LastUpdateTime}}
}

// UnmarshalJSON implements json.Unmarshaler with the rules of the client:
// total_num and data_list are required.
func (p *ClusterContainerPage) UnmarshalJSON(b []byte) error { return unmarshalPage(b, p.stream(-1)) }

// UnmarshalJSON implements json.Unmarshaler by the wire structs' rules
// (wire.go): counts through count, risky through flag, the limits through
// text. A null row stays the zero ClusterContainer, which
// EachClusterContainer skips.
func (c *ClusterContainer) UnmarshalJSON(b []byte) error { return decodeWire(b, c) }

// text is a string that also accepts a number (cpu_limit 2 for "2") and
// null (""): a limit is free text to HSS, and a serializer that writes it
// as a number must not fail the page. An object, array or boolean is
// still an error naming the field.
type text string

// UnmarshalJSON implements json.Unmarshaler.
func (t *text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*t = ""
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = text(s)
		return nil
	}
	if _, err := strconv.ParseFloat(string(b), 64); err != nil || len(b) > 40 {
		return &json.UnmarshalTypeError{Value: "value", Type: reflect.TypeFor[string]()}
	}
	*t = text(b)
	return nil
}
