package hssfake

import (
	"net/http"
	"slices"
	"strings"
)

// imageLocalInfo is ImageLocalInfo; counts are 64-bit, times Unix ms.
type imageLocalInfo struct {
	ImageName        string `json:"image_name"`
	ImageID          string `json:"image_id"`
	ImageDigest      string `json:"image_digest"`
	ImageVersion     string `json:"image_version"`
	LocalImageType   string `json:"local_image_type"`
	ScanStatus       string `json:"scan_status"`
	ImageSize        int64  `json:"image_size"`
	LatestUpdateTime int64  `json:"latest_update_time"`
	LatestScanTime   int64  `json:"latest_scan_time"`
	VulNum           int64  `json:"vul_num"`
	UnsafeSettingNum int64  `json:"unsafe_setting_num"`
	MaliciousFileNum int64  `json:"malicious_file_num"`
	HostNum          int64  `json:"host_num"`
	ContainerNum     int64  `json:"container_num"`
	ComponentNum     int64  `json:"component_num"`
	ScanFailedDesc   string `json:"scan_failed_desc,omitempty"`
	SeverityLevel    string `json:"severity_level,omitempty"`
	NonScanReason    string `json:"non_scan_reason,omitempty"`
}

type imagePage struct {
	TotalNum int64            `json:"total_num"`
	DataList []imageLocalInfo `json:"data_list"`
}

var enumParams = map[string][]string{
	"scan_status":      {"unscan", "success", "scanning", "failed", "waiting"},
	"local_image_type": {"swr_image", "other_image"},
	"has_vul":          {"true", "false"},
	"has_container":    {"true", "false"},
}

// handleImages is ListImageLocal. The region header is optional here but
// must name this region when sent.
func (s *Server) handleImages(w http.ResponseWriter, r *http.Request) {
	req, ok := s.admitList(w, r, OpListImageLocal, false)
	if !ok {
		return
	}
	for name, allowed := range enumParams {
		if v, present := req.query[name]; present && !slices.Contains(allowed, v) {
			invalidParam(w, name)
			return
		}
	}
	snap := s.Fleet().view()
	var rows []int
	for ii := range snap.images {
		if s.imageMatches(snap, ii, req) {
			rows = append(rows, ii)
		}
	}
	start, end, total := s.pageBounds(len(rows), req, false)
	page := imagePage{TotalNum: total, DataList: make([]imageLocalInfo, 0, end-start)}
	for _, ii := range rows[start:end] {
		page.DataList = append(page.DataList, imageInfo(snap, ii))
	}
	writeJSON(w, http.StatusOK, page)
}

func imageInfo(snap *snapshot, ii int) imageLocalInfo {
	img := snap.images[ii]
	info := imageLocalInfo{
		ImageName: img.Name, ImageID: img.ID, ImageDigest: img.Digest, ImageVersion: img.Version,
		LocalImageType: img.Type, ScanStatus: img.ScanStatus, ImageSize: img.Size,
		VulNum: img.VulNum, UnsafeSettingNum: img.UnsafeSettingNum, MaliciousFileNum: img.MaliciousFileNum,
		HostNum: snap.hostNum[ii], ContainerNum: snap.containerNum(ii), ComponentNum: img.ComponentNum,
		ScanFailedDesc: img.ScanFailedDesc, SeverityLevel: img.SeverityLevel, NonScanReason: img.NonScanReason,
	}
	if !img.LatestUpdateTime.IsZero() {
		info.LatestUpdateTime = img.LatestUpdateTime.UnixMilli()
	}
	if !img.LatestScanTime.IsZero() {
		info.LatestScanTime = img.LatestScanTime.UnixMilli()
	}
	return info
}

// imageMatches applies ListImageLocal's filters: image_name is a substring
// match, the others exact; has_container uses the reported container_num,
// as HSS filters on its own count.
func (s *Server) imageMatches(snap *snapshot, ii int, req listRequest) bool {
	img, q := snap.images[ii], req.query
	switch {
	case !s.epVisible(req, snap.imageEP(ii)),
		q["image_name"] != "" && !strings.Contains(img.Name, q["image_name"]),
		q["image_version"] != "" && img.Version != q["image_version"],
		q["scan_status"] != "" && img.ScanStatus != q["scan_status"],
		q["local_image_type"] != "" && img.Type != q["local_image_type"],
		q["has_vul"] != "" && (img.VulNum > 0) != (q["has_vul"] == "true"),
		q["has_container"] != "" && (snap.containerNum(ii) > 0) != (q["has_container"] == "true"):
		return false
	}
	host, hostID, cid := q["host_name"], q["host_id"], q["container_id"]
	if host == "" && hostID == "" && cid == "" {
		return true
	}
	for _, ci := range snap.byImage[ii] {
		c := snap.containers[ci]
		if (host == "" || c.HostName == host) && (hostID == "" || c.HostID == hostID) && (cid == "" || c.ID == cid) {
			return true
		}
	}
	return false
}
