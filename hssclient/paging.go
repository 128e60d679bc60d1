package hssclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/hss-exporter/hss_exporter/hssclient/transport"
)

// ErrTooManyPages is returned when a listing reaches maxPages pages, so a
// total_num that keeps drifting upwards cannot page forever.
var ErrTooManyPages = errors.New("page cap reached before the listing ended")

// Reasons a listing's list moved while it was paged, as MovedError.Reason.
const (
	MovedTotalChanged = "total_changed" // total_num differed between pages
	MovedDuplicateRow = "duplicate_row" // a page repeated a row already seen
)

// MovedReasons are every MovedError.Reason, for counters to start at 0.
var MovedReasons = [...]string{MovedTotalChanged, MovedDuplicateRow}

// MovedError is the error of a listing that ran to its end while the list
// moved under it: every row it found was passed on, but live rows may have
// been skipped, so its count is not to be taken as the truth.
type MovedError struct {
	Operation string
	Reason    string // MovedTotalChanged or MovedDuplicateRow
}

func (e *MovedError) Error() string {
	what := "total_num changed between pages"
	if e.Reason == MovedDuplicateRow {
		what = "a page repeated a row of an earlier page"
	}
	return e.Operation + ": the list moved while it was paged (" + what + "); rows may have been skipped"
}

// EachContainer walks every page of containers matching req (Offset and
// Limit are managed by the pager) and calls fn once per distinct
// container_id. Rows without an ID cannot be de-duplicated and are passed on
// as they come; a null or empty row says nothing about any container and is
// skipped. It returns the first error of the API or of fn.
//
// A list that moved while it was paged (total_num changed between pages,
// or a page repeated a container_id already passed on) may have had live
// rows skipped: the listing still runs to its end and every row is passed
// on, but it returns a *MovedError, so that the caller can list again
// rather than take a short count for the truth.
func (c *Client) EachContainer(ctx context.Context, req ListContainersRequest, fn func(Container) error) error {
	moved, err := eachRow(ctx, c, OpListContainers, func(offset int64, limit int) ([]Container, int64, error) {
		req.Offset, req.Limit = offset, limit
		page, err := c.ListLocalImageContainers(ctx, req)
		if err != nil {
			return nil, 0, err
		}
		return page.DataList, page.TotalNum, nil
	}, func(row Container) (string, bool) { return row.ContainerID, row.ContainerID != "" }, fn)
	if err == nil && moved != "" {
		err = &MovedError{Operation: OpListContainers, Reason: moved}
	}
	return err
}

// EachImage walks every page of local images matching req and calls fn once
// per distinct image (name, version, digest and ID), skipping null rows.
func (c *Client) EachImage(ctx context.Context, req ListImagesRequest, fn func(LocalImage) error) error {
	_, err := eachRow(ctx, c, OpListImages, func(offset int64, limit int) ([]LocalImage, int64, error) {
		req.Offset, req.Limit = offset, limit
		page, err := c.ListImageLocal(ctx, req)
		if err != nil {
			return nil, 0, err
		}
		return page.DataList, page.TotalNum, nil
	}, func(img LocalImage) ([4]string, bool) {
		return [4]string{img.ImageName, img.ImageVersion, img.ImageDigest, img.ImageID}, true
	}, fn)
	return err
}

// listRows fetches the rows and the total_num of the page at offset.
type listRows[Row any] func(offset int64, limit int) (rows []Row, total int64, err error)

// eachRow is the pager of every listing: it walks the pages of op and
// calls fn once per distinct row. A zero row (null or {}) says nothing and
// is skipped; a row whose key is not known (ok false) cannot be
// de-duplicated and is passed on as it comes. It returns how the list
// moved (see walk) and the first error of the API or of fn.
func eachRow[Row, Key comparable](ctx context.Context, c *Client, op string, list listRows[Row],
	key func(Row) (Key, bool), fn func(Row) error) (moved string, err error) {
	seen := make(map[Key]struct{})
	return c.walk(ctx, op, func(offset int64, limit int) (pageCount, error) {
		rows, total, err := list(offset, limit)
		if err != nil {
			return pageCount{}, err
		}
		n := pageCount{rows: len(rows), total: total}
		var zero Row
		for _, row := range rows {
			if row == zero {
				continue
			}
			if k, ok := key(row); ok {
				if _, dup := seen[k]; dup {
					n.repeated++
					continue
				}
				seen[k] = struct{}{}
			}
			n.fresh++
			if err := fn(row); err != nil {
				return pageCount{}, err
			}
		}
		return n, nil
	})
}

// pageCount is what one page held: its rows, how many of them were new
// (not seen on an earlier page), how many repeated a row seen before, and
// the total_num it reported.
type pageCount struct {
	rows, fresh, repeated int
	total                 int64
}

// fetchPage fetches the page at offset.
type fetchPage func(offset int64, limit int) (pageCount, error)

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
// walk also reports whether the list moved while it paged, and how
// (MovedTotalChanged or MovedDuplicateRow; "" when it held still), for
// the caller to decide what a listing taken from a moving list is worth.
// Rows removed ahead of the offset between two pages move the rows behind
// them up, and offset paging skips as many live ones.
//
// The page size: see pageStep and pageSizes.
func (c *Client) walk(ctx context.Context, op string, fetch fetchPage) (moved string, err error) {
	var offset int64
	limit, fallback := c.pageSizes.start(op)
	step := pageStep{fallback: fallback, probing: fallback > 0}
	firstTotal := int64(-1)
	for pages := 0; ; {
		if pages >= c.maxPages {
			return moved, fmt.Errorf("%s: %w (%d pages)", op, ErrTooManyPages, pages)
		}
		n, err := fetch(offset, limit)
		if err != nil {
			next, ok := step.down(limit, pages, err)
			if !ok {
				return moved, err
			}
			c.cfg.Observer.Retry(op, "page_size")
			limit = next
			continue
		}
		step.accepted(c.pageSizes, op, limit, n.rows, pages)
		pages++
		offset += int64(n.rows)
		switch {
		case firstTotal < 0:
			firstTotal = n.total
		case n.total != firstTotal && moved == "":
			moved = MovedTotalChanged
		}
		ignoresOffset := n.rows > 0 && n.fresh == 0 && offset > n.total
		if n.repeated > 0 && moved == "" && !ignoresOffset {
			moved = MovedDuplicateRow
		}
		if n.rows == 0 || n.rows < limit || offset == n.total || ignoresOffset {
			return moved, nil
		}
		if err := ctx.Err(); err != nil {
			return moved, err
		}
	}
}

// pageStep is the page-size step-down of one listing.
//
// A 400 to the first page is retried with the next smaller page size. The
// smaller size is remembered only once the API accepts it: a 400 that has
// nothing to do with the page size must not shrink every later listing.
// A page over its body cap is asked for again with the next smaller page
// size too, whose cap leaves more room per row. That is remembered only
// when the smaller page that fits holds more rows than asked for: the
// endpoint ignores limit, and every later listing would step down the
// same way. Otherwise the rows are long (a start command can be), and other
// images' are not. A probe of the configured size that fails steps
// straight back to the remembered size.
type pageStep struct {
	fallback int  // the remembered size a probe goes back to; 0 when none
	probing  bool // this listing tries the configured size again
	refused  bool // the first page was refused at a larger size
	tooLarge bool // a page was over its cap at a larger size
}

func (s *pageStep) down(limit, pages int, err error) (int, bool) {
	next, ok := smallerPageSize(limit)
	if s.fallback > 0 {
		next, ok = s.fallback, true
	}
	switch {
	case ok && pages == 0 && isPageSizeRefusal(err):
		s.refused = true
	case ok && errors.Is(err, transport.ErrBodyTooLarge):
		s.tooLarge = true
	default:
		return 0, false
	}
	s.fallback = 0
	return next, true
}

// accepted notes a page of rows answered to limit, the pages-th of the
// listing.
func (s *pageStep) accepted(sizes *pageSizes, op string, limit, rows, pages int) {
	switch {
	case s.refused && pages == 0, s.tooLarge && rows > limit:
		sizes.learn(op, limit, s.tooLarge)
		s.refused, s.tooLarge = false, false
	case s.probing && pages == 0 && !s.refused && !s.tooLarge:
		sizes.probed(op, limit, rows)
	}
	s.probing = false
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
	var apiErr *transport.APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest && apiErr.Code != codeNoPermission
}
