package hssfake

import (
	"net/http"
	"strconv"
)

// availableResource is AvailableResourceIdsInfo.
type availableResource struct {
	ResourceID  string `json:"resource_id"`
	CurrentTime string `json:"current_time"`
	SharedQuota string `json:"shared_quota"`
}

// resourceQuotasInfo is ResourceQuotasInfo.
type resourceQuotasInfo struct {
	Version                string              `json:"version"`
	TotalNum               int                 `json:"total_num"`
	UsedNum                int                 `json:"used_num"`
	AvailableNum           int                 `json:"available_num"`
	AvailableResourcesList []availableResource `json:"available_resources_list"`
}

type quotasAnswer struct {
	DataList []resourceQuotasInfo `json:"data_list"`
}

var quotaEnums = map[string][]string{
	"version":       editions,
	"charging_mode": {"packet_cycle", "on_demand"},
}

// handleQuotas is ShowResourceQuotas: one row per edition with quotas, not
// paged. The SDK sends no region header here; one that is sent must name
// this region.
func (s *Server) handleQuotas(w http.ResponseWriter, r *http.Request) {
	req, ok := s.admit(w, r, OpShowResourceQuotas, false)
	if !ok || !checkEnums(w, req.query, quotaEnums) {
		return
	}
	snap := s.Fleet().postureView()
	q := req.query
	rows := summarizeQuotas(snap.quotas, func(res QuotaResource) bool {
		return s.epVisible(req, orDefault(res.EnterpriseProjectID)) &&
			(q["version"] == "" || res.Version == q["version"]) &&
			(q["charging_mode"] == "" || res.ChargingMode == q["charging_mode"])
	})
	shared := map[string]bool{}
	for _, res := range snap.quotas {
		shared[res.ID] = res.Shared
	}
	now := strconv.FormatInt(s.now().UnixMilli(), 10)
	answer := quotasAnswer{DataList: make([]resourceQuotasInfo, 0, len(rows))}
	for _, row := range rows {
		info := resourceQuotasInfo{Version: row.Version, TotalNum: row.Total, UsedNum: row.Used,
			AvailableNum: row.Available, AvailableResourcesList: make([]availableResource, 0, len(row.AvailableResources))}
		for _, id := range row.AvailableResources {
			sq := "unshared"
			if shared[id] {
				sq = "shared"
			}
			info.AvailableResourcesList = append(info.AvailableResourcesList,
				availableResource{ResourceID: id, CurrentTime: now, SharedQuota: sq})
		}
		answer.DataList = append(answer.DataList, info)
	}
	writeJSON(w, http.StatusOK, answer)
}
