package hssfake

import (
	"math/rand"
	"slices"
)

// QuotaSummary is one row of ShowResourceQuotas: the quotas of an edition.
type QuotaSummary struct {
	Version   string
	Total     int
	Used      int
	Available int
	// AvailableResources holds the IDs of the idle quotas, in fleet order.
	AvailableResources []string
}

// QuotaQuery selects quotas as ShowResourceQuotas's parameters do. Zero
// fields select everything, except EnterpriseProjectID: "" is the default
// project, AllEnterpriseProjects all of them.
type QuotaQuery struct {
	EnterpriseProjectID string
	Version             string
	ChargingMode        string
}

// Quotas returns what ShowResourceQuotas answers for q: one row per edition
// that has quotas, in the API's edition order.
func (f *Fleet) Quotas(q QuotaQuery) []QuotaSummary {
	return summarizeQuotas(f.postureView().quotas, func(r QuotaResource) bool {
		return epMatches(q.EnterpriseProjectID, orDefault(r.EnterpriseProjectID)) &&
			(q.Version == "" || r.Version == q.Version) &&
			(q.ChargingMode == "" || r.ChargingMode == q.ChargingMode)
	})
}

func summarizeQuotas(quotas []QuotaResource, keep func(QuotaResource) bool) []QuotaSummary {
	var out []QuotaSummary
	for _, ed := range editions {
		row := QuotaSummary{Version: ed}
		for _, r := range quotas {
			if r.Version != ed || !keep(r) {
				continue
			}
			row.Total++
			if r.HostID != "" {
				row.Used++
				continue
			}
			row.Available++
			row.AvailableResources = append(row.AvailableResources, r.ID)
		}
		if row.Total > 0 {
			out = append(out, row)
		}
	}
	return out
}

// SetQuotaSpare makes edition have exactly n idle quotas (0 exhausts it),
// adding or dropping idle ones; quotas in use stay.
func (f *Fleet) SetQuotaSpare(edition string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	idle := 0
	f.quotas = slices.DeleteFunc(f.quotas, func(r QuotaResource) bool {
		if r.Version != edition || r.HostID != "" {
			return false
		}
		idle++
		return idle > n
	})
	rng := f.posturerng()
	for ; idle < n; idle++ {
		f.quotas = append(f.quotas, newQuota(rng, edition, DefaultEnterpriseProject))
	}
	f.psnap = nil
}

// SetProtection opens or closes protection on the node with hostID, as a
// user does in the console: opening binds an idle quota of the node's
// edition, closing releases it. It reports whether the node is now in the
// state asked; opening fails when the edition has no idle quota, as new
// nodes then stay unprotected.
func (f *Fleet) SetProtection(hostID string, open bool) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(f.nodes, func(n Node) bool { return n.HostID == hostID })
	if i < 0 {
		return false
	}
	f.psnap = nil
	if open {
		return f.openProtection(&f.nodes[i])
	}
	f.closeProtection(&f.nodes[i])
	return true
}

// openProtection binds an idle quota to n; f.mu is held.
func (f *Fleet) openProtection(n *Node) bool {
	if n.ProtectStatus == ProtectOpened {
		return true
	}
	if n.AgentStatus == AgentNotInstalled {
		return false
	}
	ed := editionOf(*n)
	j := slices.IndexFunc(f.quotas, func(r QuotaResource) bool { return r.Version == ed && r.HostID == "" })
	if j < 0 {
		return false
	}
	f.quotas[j].HostID = n.HostID
	n.ProtectStatus, n.ResourceID = ProtectOpened, f.quotas[j].ID
	n.PolicyGroupID, n.PolicyGroupName = policyGroup(ed)
	return true
}

// closeProtection releases n's quota; f.mu is held.
func (f *Fleet) closeProtection(n *Node) {
	for j := range f.quotas {
		if f.quotas[j].HostID == n.HostID {
			f.quotas[j].HostID = ""
		}
	}
	n.ProtectStatus, n.ResourceID = ProtectClosed, ""
	n.ProtectInterrupt, n.ProtectDegradation, n.DegradationReason = false, false, ""
	n.PolicyGroupID, n.PolicyGroupName = "", ""
}

// posturerng returns the fleet's own random source for posture changes;
// f.mu is held.
func (f *Fleet) posturerng() *rand.Rand {
	if f.prng == nil {
		f.prng = rand.New(rand.NewSource(postureSeed))
	}
	return f.prng
}
