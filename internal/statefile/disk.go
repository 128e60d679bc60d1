package statefile

import (
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/budget"
)

// The state file's own types: what goes to disk is defined here, not by
// the API's wire structs, so a change of the client's types (a field
// added, renamed or dropped) does not change the file. Version 2 writes
// them; version 1 wrote the wire structs, under the same keys, so both
// read alike (a version 1 row's start command, always empty, is ignored).

// diskImage is one image as the file holds it.
type diskImage struct {
	Name    string    `json:"name"`
	Version string    `json:"version"`
	Digest  string    `json:"digest"`
	Info    *diskInfo `json:"info,omitempty"`
	// InfoContainerNumUnknown: container_num null is unknown, not zero.
	InfoContainerNumUnknown bool      `json:"info_container_num_unknown,omitempty"`
	Query                   diskQuery `json:"query"`
	Call                    bool      `json:"call"`
	Listed                  bool      `json:"listed"`
	ListedAt                time.Time `json:"listed_at,omitzero"`
	ListedNum               int64     `json:"listed_num"`
	ListedQuery             diskQuery `json:"listed_query"`
	Rows                    []diskRow `json:"rows,omitempty"`
}

// diskInfo is what discovery said of an image.
type diskInfo struct {
	ImageName        string `json:"image_name"`
	ImageID          string `json:"image_id"`
	ImageDigest      string `json:"image_digest"`
	ImageVersion     string `json:"image_version"`
	LocalImageType   string `json:"local_image_type"`
	ScanStatus       string `json:"scan_status"`
	ImageSize        int64  `json:"image_size"`
	LatestUpdateTime int64  `json:"latest_update_time"` // Unix milliseconds
	LatestScanTime   int64  `json:"latest_scan_time"`   // Unix milliseconds
	VulNum           int64  `json:"vul_num"`
	UnsafeSettingNum int64  `json:"unsafe_setting_num"`
	MaliciousFileNum int64  `json:"malicious_file_num"`
	HostNum          int64  `json:"host_num"`
	ContainerNum     int64  `json:"container_num"`
	ComponentNum     int64  `json:"component_num"`
	ScanFailedDesc   string `json:"scan_failed_desc"`
	SeverityLevel    string `json:"severity_level"`
	NonScanReason    string `json:"non_scan_reason"`
}

// diskQuery is the query an image's containers are listed with; its keys
// are the ones version 1 wrote.
type diskQuery struct {
	EnterpriseProjectID string `json:"EnterpriseProjectID"`
	ImageDigest         string `json:"ImageDigest"`
	ImageName           string `json:"ImageName"`
	ImageVersion        string `json:"ImageVersion"`
	ContainerID         string `json:"ContainerID"`
	AgentID             string `json:"AgentID"`
	Offset              int64  `json:"Offset"`
	Limit               int    `json:"Limit"`
}

// diskRow is one container. It has no start command: that is never kept.
type diskRow struct {
	AgentID       string `json:"agent_id"`
	ContainerName string `json:"container_name"`
	ContainerID   string `json:"container_id"`
	HostID        string `json:"host_id"`
	HostName      string `json:"host_name"`
	PodID         string `json:"pod_id"`
	PodName       string `json:"pod_name"`
	PrivateIP     string `json:"private_ip"`
	PublicIP      string `json:"public_ip"`
}

// Budget is the API budget's state as the file holds it.
type Budget struct {
	Ops map[string]diskOpBudget `json:"ops"`
}

// diskOpBudget is one operation's part of a Budget.
type diskOpBudget struct {
	Sent          []time.Time   `json:"sent,omitempty"`
	BlockedUntil  time.Time     `json:"blocked_until,omitzero"`
	LearnedLimit  int           `json:"learned_limit,omitempty"`
	LearnedWindow time.Duration `json:"learned_window,omitempty"`
	LearnedUnder  float64       `json:"learned_under_calls_per_minute,omitempty"`
	LearnedAt     time.Time     `json:"learned_at,omitzero"`
}

// toDisk is si as the file holds it; its rows are converted, so this is
// made one image at a time as the file is written.
func (si *Image) toDisk() diskImage {
	d := diskImage{Name: si.Name, Version: si.Version, Digest: si.Digest,
		InfoContainerNumUnknown: si.InfoContainerNumUnknown, Query: diskQuery(si.Query), Call: si.Call,
		Listed: si.Listed, ListedAt: si.ListedAt, ListedNum: si.ListedNum, ListedQuery: diskQuery(si.ListedQuery)}
	if si.Info != nil {
		info := diskInfo{ImageName: si.Info.ImageName, ImageID: si.Info.ImageID, ImageDigest: si.Info.ImageDigest,
			ImageVersion: si.Info.ImageVersion, LocalImageType: si.Info.LocalImageType, ScanStatus: si.Info.ScanStatus,
			ImageSize: si.Info.ImageSize, LatestUpdateTime: si.Info.LatestUpdateTime, LatestScanTime: si.Info.LatestScanTime,
			VulNum: si.Info.VulNum, UnsafeSettingNum: si.Info.UnsafeSettingNum, MaliciousFileNum: si.Info.MaliciousFileNum,
			HostNum: si.Info.HostNum, ContainerNum: si.Info.ContainerNum, ComponentNum: si.Info.ComponentNum,
			ScanFailedDesc: si.Info.ScanFailedDesc, SeverityLevel: si.Info.SeverityLevel, NonScanReason: si.Info.NonScanReason}
		d.Info = &info
	}
	if len(si.Rows) > 0 {
		d.Rows = make([]diskRow, len(si.Rows))
		for i, c := range si.Rows {
			d.Rows[i] = diskRow{AgentID: c.AgentID, ContainerName: c.ContainerName, ContainerID: c.ContainerID,
				HostID: c.HostID, HostName: c.HostName, PodID: c.PodID, PodName: c.PodName,
				PrivateIP: c.PrivateIP, PublicIP: c.PublicIP}
		}
	}
	return d
}

// saved is what the file says of an image, its rows aside (the reader
// takes those one by one, through container).
func (d *diskImage) saved() Image {
	si := Image{Name: d.Name, Version: d.Version, Digest: d.Digest,
		InfoContainerNumUnknown: d.InfoContainerNumUnknown, Query: hssclient.ListContainersRequest(d.Query), Call: d.Call,
		Listed: d.Listed, ListedAt: d.ListedAt, ListedNum: d.ListedNum, ListedQuery: hssclient.ListContainersRequest(d.ListedQuery)}
	if i := d.Info; i != nil {
		si.Info = &hssclient.LocalImage{ImageName: i.ImageName, ImageID: i.ImageID, ImageDigest: i.ImageDigest,
			ImageVersion: i.ImageVersion, LocalImageType: i.LocalImageType, ScanStatus: i.ScanStatus,
			ImageSize: i.ImageSize, LatestUpdateTime: i.LatestUpdateTime, LatestScanTime: i.LatestScanTime,
			VulNum: i.VulNum, UnsafeSettingNum: i.UnsafeSettingNum, MaliciousFileNum: i.MaliciousFileNum,
			HostNum: i.HostNum, ContainerNum: i.ContainerNum, ComponentNum: i.ComponentNum,
			ScanFailedDesc: i.ScanFailedDesc, SeverityLevel: i.SeverityLevel, NonScanReason: i.NonScanReason,
			ContainerNumUnknown: d.InfoContainerNumUnknown}
	}
	return si
}

// container is the row as the client returns it.
func (r diskRow) container() hssclient.Container {
	return hssclient.Container{AgentID: r.AgentID, ContainerName: r.ContainerName, ContainerID: r.ContainerID,
		HostID: r.HostID, HostName: r.HostName, PodID: r.PodID, PodName: r.PodName,
		PrivateIP: r.PrivateIP, PublicIP: r.PublicIP}
}

// BudgetOf is the budget's state as the file holds it.
func BudgetOf(b budget.State) *Budget {
	d := &Budget{Ops: make(map[string]diskOpBudget, len(b.Ops))}
	for op, s := range b.Ops {
		d.Ops[op] = diskOpBudget(s)
	}
	return d
}

// State is the budget's state the file holds.
func (d *Budget) State() budget.State {
	b := budget.State{Ops: make(map[string]budget.OpState, len(d.Ops))}
	for op, s := range d.Ops {
		b.Ops[op] = budget.OpState(s)
	}
	return b
}
