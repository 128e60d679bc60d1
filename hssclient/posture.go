package hssclient

import (
	"context"
	"errors"
	"fmt"
	"net/url"
)

// ListContainerNodes fetches one page of container nodes.
func (c *Client) ListContainerNodes(ctx context.Context, req ListContainerNodesRequest) (*ContainerNodePage, error) {
	q := url.Values{}
	setIfNotEmpty(q, "enterprise_project_id", req.EnterpriseProjectID)
	setIfNotEmpty(q, "host_name", req.HostName)
	setIfNotEmpty(q, "agent_status", req.AgentStatus)
	setIfNotEmpty(q, "protect_status", req.ProtectStatus)
	setIfNotEmpty(q, "container_tags", req.ContainerTags)
	setPaging(q, req.Offset, req.Limit)
	var page ContainerNodePage
	if err := c.get(ctx, OpListContainerNodes, "container/nodes", q, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// EachContainerNode walks every page of container nodes matching req
// (Offset and Limit are managed by the pager, as for EachContainer) and
// calls fn once per distinct host_id. Rows without a host_id are passed on
// as they come; null or empty rows are skipped. It returns the first error
// of the API or of fn.
func (c *Client) EachContainerNode(ctx context.Context, req ListContainerNodesRequest, fn func(ContainerNode) error) error {
	_, err := eachRow(ctx, c, OpListContainerNodes, func(offset int64, limit int) ([]ContainerNode, int64, error) {
		req.Offset, req.Limit = offset, limit
		page, err := c.ListContainerNodes(ctx, req)
		if err != nil {
			return nil, 0, err
		}
		return page.DataList, page.TotalNum, nil
	}, func(row ContainerNode) (string, bool) { return row.HostID, row.HostID != "" }, fn)
	return err
}

// Errors of a ShowEventSeverityRequest the API would refuse; returned
// before any call is made, so a bad configuration costs no call budget.
var (
	ErrEventCategoryRequired = errors.New("ShowEventSeverity needs a category (host, container or serverless)")
	ErrEventWindowConflict   = errors.New("ShowEventSeverity takes last_days or begin_time/end_time, not both")
)

// ShowEventSeverity fetches the counts of security events by severity.
func (c *Client) ShowEventSeverity(ctx context.Context, req ShowEventSeverityRequest) (*EventSeverity, error) {
	if req.Category == "" {
		return nil, fmt.Errorf("hssclient: %w", ErrEventCategoryRequired)
	}
	if req.LastDays != 0 && (!req.BeginTime.IsZero() || !req.EndTime.IsZero()) {
		return nil, fmt.Errorf("hssclient: %w", ErrEventWindowConflict)
	}
	q := url.Values{}
	q.Set("category", req.Category)
	setIfNotEmpty(q, "enterprise_project_id", req.EnterpriseProjectID)
	if req.LastDays != 0 {
		q.Set("last_days", fmt.Sprint(req.LastDays))
	}
	if !req.BeginTime.IsZero() {
		q.Set("begin_time", fmt.Sprint(req.BeginTime.UnixMilli()))
	}
	if !req.EndTime.IsZero() {
		q.Set("end_time", fmt.Sprint(req.EndTime.UnixMilli()))
	}
	for key, value := range map[string]string{
		"handle_status": req.HandleStatus, "severity": req.Severity, "host_name": req.HostName,
		"host_id": req.HostID, "private_ip": req.PrivateIP, "public_ip": req.PublicIP,
		"container_name": req.ContainerName, "attack_tag": req.AttackTag,
		"asset_value": req.AssetValue, "event_name": req.EventName,
	} {
		setIfNotEmpty(q, key, value)
	}
	if req.EventType != 0 {
		q.Set("event_type", fmt.Sprint(req.EventType))
	}
	for _, s := range req.SeverityList {
		q.Add("severity_list", s) // the SDK repeats the key per value
	}
	var out EventSeverity
	if err := c.get(ctx, OpShowEventSeverity, "event/severity", q, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ShowResourceQuotas fetches the protection quotas by edition.
func (c *Client) ShowResourceQuotas(ctx context.Context, req ShowResourceQuotasRequest) (*ResourceQuotas, error) {
	q := url.Values{}
	setIfNotEmpty(q, "enterprise_project_id", req.EnterpriseProjectID)
	setIfNotEmpty(q, "version", req.Version)
	setIfNotEmpty(q, "charging_mode", req.ChargingMode)
	var out ResourceQuotas
	if err := c.get(ctx, OpShowResourceQuotas, "billing/quotas", q, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
