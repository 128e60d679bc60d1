package hssfake

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Documented bounds of the HSS list APIs.
const (
	minLimit     = 10
	maxLimit     = 200
	defaultLimit = 10
	maxOffset    = 2_000_000
)

// listRequest holds what both list endpoints share once validated.
type listRequest struct {
	query  map[string]string
	ep     string // enterprise_project_id as sent
	offset int
	limit  int
}

// parseQuery decodes the raw query with the same path semantics the
// signature check uses, so '+' is a literal plus here too. The first value of
// a repeated key wins.
func parseQuery(raw string) (map[string]string, bool) {
	q := map[string]string{}
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		dk, err1 := url.PathUnescape(k)
		dv, err2 := url.PathUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, false
		}
		if _, seen := q[dk]; !seen {
			q[dk] = dv
		}
	}
	return q, true
}

// admitList runs the checks every /v5 list request goes through, in the
// order the real service applies them: authentication (401), the gateway's
// rate limit (429), project (403), region header (400), enterprise project
// permission and paging parameters (400). It answers and returns false on
// the first failure.
func (s *Server) admitList(w http.ResponseWriter, r *http.Request, op string, regionRequired bool) (listRequest, bool) {
	req, ok := s.admit(w, r, op, regionRequired)
	if !ok {
		return listRequest{}, false
	}
	if req.offset, ok = intParam(req.query, "offset", 0, 0, maxOffset); !ok {
		invalidParam(w, "offset")
		return listRequest{}, false
	}
	hi := maxLimit
	if m := s.faultMaxLimit(); m > 0 && m < hi {
		hi = m
	}
	if req.limit, ok = intParam(req.query, "limit", defaultLimit, minLimit, hi); !ok {
		invalidParam(w, "limit")
		return listRequest{}, false
	}
	return req, true
}

// admit runs the checks of admitList that every /v5 request goes through,
// paged or not, up to the enterprise project permission.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, op string, regionRequired bool) (listRequest, bool) {
	if !s.authenticate(w, r, op) || !s.admitRate(w, r, op) {
		return listRequest{}, false
	}
	if r.PathValue("project_id") != s.opts.ProjectID {
		writeHSSError(w, http.StatusForbidden, "HSS.0013", "Insufficient permissions: the project in the URL is not the caller's project")
		return listRequest{}, false
	}
	region := r.Header.Get("region")
	if (region == "" && regionRequired) || (region != "" && region != s.opts.Region) {
		writeHSSError(w, http.StatusBadRequest, "HSS.0001", "Invalid parameter: region header missing or not this region")
		return listRequest{}, false
	}
	q, ok := parseQuery(r.URL.RawQuery)
	if !ok {
		invalidParam(w, "query")
		return listRequest{}, false
	}
	req := listRequest{query: q, ep: q["enterprise_project_id"]}
	if !s.epGranted(req.ep) {
		writeHSSError(w, http.StatusBadRequest, "HSS.0013", "Insufficient permissions for the enterprise project")
		return listRequest{}, false
	}
	return req, true
}

// intParam parses q[name] as an integer within [lo, hi], or returns def when
// the parameter is absent.
func intParam(q map[string]string, name string, def, lo, hi int) (int, bool) {
	v, present := q[name]
	if !present {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, false
	}
	return n, true
}

// epGranted reports whether the caller may query enterprise project ep.
func (s *Server) epGranted(ep string) bool {
	granted := s.opts.GrantedEnterpriseProjects
	switch {
	case granted == nil || ep == AllEnterpriseProjects:
		return true
	case ep == "":
		return slices.Contains(granted, DefaultEnterpriseProject)
	}
	return slices.Contains(granted, ep)
}

// epVisible reports whether items of enterprise project ep answer req.
func (s *Server) epVisible(req listRequest, ep string) bool {
	if !epMatches(req.ep, ep) {
		return false
	}
	return s.opts.GrantedEnterpriseProjects == nil || slices.Contains(s.opts.GrantedEnterpriseProjects, ep)
}

// pageBounds cuts [offset, offset+limit) out of total rows and returns the
// total_num to report, applying the paging faults. DuplicateRows acts as if
// that many rows were inserted in front before each later page: page k
// (offset/limit) starts k*DuplicateRows rows early and total_num grows by as
// much, so rows repeat at every page boundary and none is lost. TotalDrift
// adds TotalDrift per page to total_num. moving says whether RepeatRows
// acts on this page; LimitFactor serves that many times limit rows.
func (s *Server) pageBounds(total int, req listRequest, moving bool) (start, end int, reported int64) {
	f := s.currentFaults()
	pageIndex := req.offset / req.limit
	shift := pageIndex * max(f.DuplicateRows, 0)
	start = max(0, req.offset-shift)
	if moving && req.offset > 0 {
		start = max(0, start-f.RepeatRows)
	}
	reported = int64(total) + int64(shift) + f.TotalDrift*int64(pageIndex)
	reported = max(reported, 0)
	start = min(start, total)
	end = min(total, start+req.limit*max(f.LimitFactor, 1))
	return start, end, reported
}

// movingList applies the faults of a list that moves between pages to a
// later page of req: it reports whether this page is one they act on.
func (s *Server) movingList(req listRequest) bool {
	return req.offset > 0 && s.movingPage()
}
