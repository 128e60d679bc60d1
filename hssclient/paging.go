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
var pageSteps = []int{200, 100, 50, 10}

// EachContainer walks every page of containers matching req (Offset and
// Limit are managed by the pager) and calls fn once per distinct
// container_id. Rows without an ID cannot be de-duplicated and are passed on
// as they come; a null or empty row says nothing about any container and is
// skipped. It returns the first error of the API or of fn.
func (c *Client) EachContainer(ctx context.Context, req ListContainersRequest, fn func(Container) error) error {
	seen := make(map[string]struct{})
	return c.walk(ctx, OpListContainers, func(offset int64, limit int) (int, int, int64, error) {
		req.Offset, req.Limit = offset, limit
		page, err := c.ListLocalImageContainers(ctx, req)
		if err != nil {
			return 0, 0, 0, err
		}
		fresh := 0
		for _, row := range page.DataList {
			if row == (Container{}) {
				continue
			}
			if row.ContainerID != "" {
				if _, dup := seen[row.ContainerID]; dup {
					continue
				}
				seen[row.ContainerID] = struct{}{}
			}
			fresh++
			if err := fn(row); err != nil {
				return 0, 0, 0, err
			}
		}
		return len(page.DataList), fresh, page.TotalNum, nil
	})
}

// EachImage walks every page of local images matching req and calls fn once
// per distinct image (name, version, digest and ID), skipping null rows.
func (c *Client) EachImage(ctx context.Context, req ListImagesRequest, fn func(LocalImage) error) error {
	seen := make(map[[4]string]struct{})
	return c.walk(ctx, OpListImages, func(offset int64, limit int) (int, int, int64, error) {
		req.Offset, req.Limit = offset, limit
		page, err := c.ListImageLocal(ctx, req)
		if err != nil {
			return 0, 0, 0, err
		}
		fresh := 0
		for _, img := range page.DataList {
			if img == (LocalImage{}) {
				continue
			}
			key := [4]string{img.ImageName, img.ImageVersion, img.ImageDigest, img.ImageID}
			if _, dup := seen[key]; dup {
				continue
			}
			seen[key] = struct{}{}
			fresh++
			if err := fn(img); err != nil {
				return 0, 0, 0, err
			}
		}
		return len(page.DataList), fresh, page.TotalNum, nil
	})
}

// fetchPage fetches the page at offset and returns how many rows it held,
// how many of them were new (not seen on an earlier page) and the
// total_num it reported.
type fetchPage func(offset int64, limit int) (rows, fresh int, total int64, err error)

// walk drives paging by record offset. It stops on an empty page, a short
// page or once offset reaches total_num, and advances by the rows actually
// received, so a page larger than asked skips nothing.
//
// A full page that carries offset past total_num contradicts it (a
// total_num of 0 or shrinking while rows keep coming): the rows are the
// better evidence, so paging goes on until a short or empty page, or a
// page with nothing new (a server that ignores offset), instead of
// dropping the rest of the listing. The other way round, a first page
// with no row while total_num promises some, never reaches the walk: the
// client takes it for a malformed answer, as it takes one without
// total_num or data_list, retries it and fails, so that the caller keeps
// what it had rather than an inventory wiped by a broken gateway.
//
// A 400 to the first page is retried with the next smaller page size. The
// smaller size is remembered only once the API accepts it: a 400 that has
// nothing to do with the page size must not shrink every later listing.
// A page over its body cap is asked for again with the next smaller page
// size too, whose cap leaves more room per row, for this listing only.
func (c *Client) walk(ctx context.Context, op string, fetch fetchPage) error {
	var offset int64
	limit, stepped := c.PageSize(), false
	for pages := 0; ; {
		if pages >= c.cfg.MaxPages {
			return fmt.Errorf("%s: %w (%d pages)", op, ErrTooManyPages, pages)
		}
		rows, fresh, total, err := fetch(offset, limit)
		if err != nil {
			next, ok := smallerPageSize(limit)
			switch {
			case ok && pages == 0 && isPageSizeRefusal(err):
				c.cfg.Observer.Retry(op, "page_size")
				limit, stepped = next, true
				continue
			case ok && errors.Is(err, errBodyTooLarge):
				// Rows this long (entry_point can be) need a smaller page,
				// whose cap allows more per row; for this listing only.
				c.cfg.Observer.Retry(op, "page_size")
				limit = next
				continue
			}
			return err
		}
		if pages == 0 && stepped {
			c.pageSize.Store(int64(limit))
		}
		pages++
		offset += int64(rows)
		if rows == 0 || rows < limit || offset == total || (offset > total && fresh == 0) {
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

// codeNoPermission is HSS's 400 for a caller that may not see what it asked
// for (an enterprise project, typically): no page size will change that.
const codeNoPermission = "HSS.0013"

// isPageSizeRefusal reports whether err may be the API refusing the page
// size: a 400, unless its code says it is about permissions. Stepping down
// on those would only triple the failing calls and shrink every later
// page for the life of the client.
func isPageSizeRefusal(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest && apiErr.Code != codeNoPermission
}
