package hssclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// ErrTooManyPages is returned when a listing reaches Config.MaxPages, so a
// total_num that keeps drifting upwards cannot page forever.
var ErrTooManyPages = errors.New("page cap reached before the listing ended")

// pageSteps are the page sizes to fall back to when the API answers 400 to a
// larger one.
var pageSteps = []int{200, 100, 10}

// EachContainer walks every page of containers matching req (Offset and
// Limit are managed by the pager) and calls fn once per distinct
// container_id. Rows without an ID cannot be de-duplicated and are passed on
// as they come. It returns the first error of the API or of fn.
func (c *Client) EachContainer(ctx context.Context, req ListContainersRequest, fn func(Container) error) error {
	seen := make(map[string]struct{})
	return c.walk(ctx, OpListContainers, func(offset int64, limit int) (int, int64, error) {
		req.Offset, req.Limit = offset, limit
		page, err := c.ListLocalImageContainers(ctx, req)
		if err != nil {
			return 0, 0, err
		}
		for _, row := range page.DataList {
			if row.ContainerID != "" {
				if _, dup := seen[row.ContainerID]; dup {
					continue
				}
				seen[row.ContainerID] = struct{}{}
			}
			if err := fn(row); err != nil {
				return 0, 0, err
			}
		}
		return len(page.DataList), page.TotalNum, nil
	})
}

// EachImage walks every page of local images matching req and calls fn once
// per distinct image (name, version, digest and ID).
func (c *Client) EachImage(ctx context.Context, req ListImagesRequest, fn func(LocalImage) error) error {
	seen := make(map[[4]string]struct{})
	return c.walk(ctx, OpListImages, func(offset int64, limit int) (int, int64, error) {
		req.Offset, req.Limit = offset, limit
		page, err := c.ListImageLocal(ctx, req)
		if err != nil {
			return 0, 0, err
		}
		for _, img := range page.DataList {
			key := [4]string{img.ImageName, img.ImageVersion, img.ImageDigest, img.ImageID}
			if _, dup := seen[key]; dup {
				continue
			}
			seen[key] = struct{}{}
			if err := fn(img); err != nil {
				return 0, 0, err
			}
		}
		return len(page.DataList), page.TotalNum, nil
	})
}

// fetchPage fetches the page at offset and returns how many rows it held
// and the total_num it reported.
type fetchPage func(offset int64, limit int) (rows int, total int64, err error)

// walk drives paging by record offset. It stops on an empty page, a short
// page or offset >= total_num, and advances by the rows actually received,
// so a page larger than asked skips nothing.
//
// A 400 to the first page is retried with the next smaller page size. The
// smaller size is remembered only once the API accepts it: a 400 that has
// nothing to do with the page size must not shrink every later listing.
func (c *Client) walk(ctx context.Context, op string, fetch fetchPage) error {
	var offset int64
	limit, stepped := c.PageSize(), false
	for pages := 0; ; {
		if pages >= c.cfg.MaxPages {
			return fmt.Errorf("%s: %w (%d pages)", op, ErrTooManyPages, pages)
		}
		rows, total, err := fetch(offset, limit)
		if err != nil {
			if next, ok := smallerPageSize(limit); ok && pages == 0 && isStatus(err, http.StatusBadRequest) {
				c.cfg.Observer.Retry(op, "page_size")
				limit, stepped = next, true
				continue
			}
			return err
		}
		if pages == 0 && stepped {
			c.pageSize.Store(int64(limit))
		}
		pages++
		offset += int64(rows)
		if rows == 0 || rows < limit || offset >= total {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

func smallerPageSize(limit int) (int, bool) {
	for _, step := range pageSteps {
		if step < limit {
			return step, true
		}
	}
	return 0, false
}

func isStatus(err error, code int) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == code
}
