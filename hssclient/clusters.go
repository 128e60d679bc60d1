package hssclient

import (
	"context"
	"net/url"
)

// OpListClusterContainers is the SDK's ListContainers operation, as
// reported to an Observer and counted by the budget: pod containers with
// their Kubernetes cluster. (OpListContainers, named before it, is
// ListLocalImageContainers.)
const OpListClusterContainers = "ListContainers"

// ListClusterContainers fetches one page of ListContainers,
// GET /v5/{project_id}/container/kubernetes.
func (c *Client) ListClusterContainers(ctx context.Context, req ListClusterContainersRequest) (*ClusterContainerPage, error) {
	q := url.Values{}
	setIfNotEmpty(q, "enterprise_project_id", req.EnterpriseProjectID)
	setIfNotEmpty(q, "container_name", req.ContainerName)
	setIfNotEmpty(q, "pod_name", req.PodName)
	setIfNotEmpty(q, "image_name", req.ImageName)
	setBool(q, "cluster_container", req.ClusterContainer)
	setPaging(q, req.Offset, req.Limit)
	var page ClusterContainerPage
	if err := c.get(ctx, OpListClusterContainers, "container/kubernetes", q, page.stream(req.Offset)); err != nil {
		return nil, err
	}
	return &page, nil
}

// EachClusterContainer walks every page of ListContainers matching req
// (Offset and Limit are managed by the pager, as for EachContainer) and
// calls fn once per distinct container_id. Rows without a container_id
// are passed on as they come; null or empty rows are skipped. It returns
// the first error of the API or of fn.
//
// The list is live: like EachContainer, a listing during which it moved
// runs to its end, passes every row on, and returns a *MovedError, so that
// the caller can tell a short count from the truth.
func (c *Client) EachClusterContainer(ctx context.Context, req ListClusterContainersRequest, fn func(ClusterContainer) error) error {
	seen := make(map[string]struct{})
	moved, err := c.walk(ctx, OpListClusterContainers, func(offset int64, limit int) (pageCount, error) {
		req.Offset, req.Limit = offset, limit
		page, err := c.ListClusterContainers(ctx, req)
		if err != nil {
			return pageCount{}, err
		}
		n := pageCount{rows: len(page.DataList), total: page.TotalNum}
		for _, row := range page.DataList {
			if row == (ClusterContainer{}) {
				continue
			}
			if row.ContainerID != "" {
				if _, dup := seen[row.ContainerID]; dup {
					n.repeated++
					continue
				}
				seen[row.ContainerID] = struct{}{}
			}
			n.fresh++
			if err := fn(row); err != nil {
				return pageCount{}, err
			}
		}
		return n, nil
	})
	if err == nil && moved != "" {
		err = &MovedError{Operation: OpListClusterContainers, Reason: moved}
	}
	return err
}
