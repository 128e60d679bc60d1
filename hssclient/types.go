package hssclient

// Container is one row of ListLocalImageContainers. Every field may be
// missing or empty upstream; pod fields are empty for plain Docker containers.
// The rows carry no image identity: callers attach it from the query.
type Container struct {
	AgentID       string `json:"agent_id"`
	ContainerName string `json:"container_name"`
	ContainerID   string `json:"container_id"`
	HostID        string `json:"host_id"`
	HostName      string `json:"host_name"`
	PodID         string `json:"pod_id"`
	PodName       string `json:"pod_name"`
	PrivateIP     string `json:"private_ip"`
	PublicIP      string `json:"public_ip"`
	// The row's start command line is not here: it can carry secrets, so
	// the decoder leaves it out (see types_decode.go).
}

// ContainerPage is one page of ListLocalImageContainers.
type ContainerPage struct {
	TotalNum int64       `json:"total_num"`
	DataList []Container `json:"data_list"`
}

// LocalImage is one row of ListImageLocal (ImageLocalInfo).
type LocalImage struct {
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
	ContainerNum     int64  `json:"container_num" hss:"unknown=ContainerNumUnknown"`
	ComponentNum     int64  `json:"component_num"`
	ScanFailedDesc   string `json:"scan_failed_desc"`
	SeverityLevel    string `json:"severity_level"`
	NonScanReason    string `json:"non_scan_reason"`

	// ContainerNumUnknown is set when the answer had container_num null or
	// left it out: unknown, not zero, so the image's containers must still
	// be listed.
	ContainerNumUnknown bool `json:"-"`
}

// ImagePage is one page of ListImageLocal.
type ImagePage struct {
	TotalNum int64        `json:"total_num"`
	DataList []LocalImage `json:"data_list"`
}

// ListContainersRequest holds the query of ListLocalImageContainers.
// Empty strings and zero Limit are left out of the query.
type ListContainersRequest struct {
	EnterpriseProjectID string
	ImageDigest         string
	ImageName           string
	ImageVersion        string
	ContainerID         string
	AgentID             string
	Offset              int64
	Limit               int
}

// ListImagesRequest holds the query of ListImageLocal. Nil booleans and empty
// strings are left out of the query.
type ListImagesRequest struct {
	EnterpriseProjectID string
	Offset              int64
	Limit               int
	ImageName           string
	ImageVersion        string
	ScanStatus          string
	LocalImageType      string
	HasVul              *bool
	HasContainer        *bool
	HostName            string
	HostID              string
	ContainerID         string
}
