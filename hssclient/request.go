package hssclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/hssclient/budget"
	"github.com/hss-exporter/hss_exporter/hssclient/transport"
)

// get performs one logical GET with retries and decodes a 200 answer into
// out (as a stream when out is an answerDecoder), reading at most the body
// cap of a page of the query's limit.
func (c *Client) get(ctx context.Context, op, resource string, q url.Values, out any) error {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + "/v5/" + c.cfg.ProjectID + "/" + resource
	u.RawPath = ""
	u.RawQuery = auth.EncodeQuery(q)
	rows, _ := strconv.Atoi(q.Get("limit"))
	into := answer{out: decoderFor(out), limit: c.pageBodyLimit(rows)}
	refreshedAuth := false
	var lastErr error
	var pass *auth.Pass // the backoff's leave to send; a probe is held across retries
	defer func() { pass.Release() }()
	retry := "" // why the next attempt is a retry; reported once it is sent
	for attempt := 0; ; attempt++ {
		next, err := c.passFor(ctx, op, pass)
		if err != nil {
			return err // refused credentials, or no time left to wait: nothing is sent
		}
		pass = next
		retryAfter, err := c.attempt(ctx, op, &u, retry, into)
		if auth.Accepts(err) {
			pass.Accepted()
		}
		if err == nil {
			return nil
		}
		if errors.Is(err, transport.ErrNotSent) && lastErr != nil {
			// The retry could not go out (deadline, cancel): the last
			// answer says more about what went wrong than the context does.
			return withAuthHint(lastErr, c.cfg.Auth, c.cfg.ProjectID)
		}
		lastErr = err
		reason, retryable := retryReason(err)
		if reason == "auth_refresh" {
			// One token refresh at most: an AK/SK pair is locked after five
			// failures, so auth errors must never loop.
			if refreshedAuth || !c.cfg.Auth.Invalidate() {
				return c.settle(pass, withAuthHint(err, c.cfg.Auth, c.cfg.ProjectID))
			}
			refreshedAuth, retry = true, reason
			continue
		}
		if !retryable || attempt >= c.cfg.MaxRetries || c.cfg.MaxRetries < 0 {
			return c.settle(pass, withAuthHint(err, c.cfg.Auth, c.cfg.ProjectID))
		}
		delay := c.backoff(op, reason, attempt, retryAfter)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < delay {
			return err // the wait would outlive the caller: give the error now
		}
		retry = reason
		if sleepErr := c.sleep(ctx, delay); sleepErr != nil {
			return err
		}
	}
}

// retryReason names why err may be retried. A 401 is reported as
// "auth_refresh" and is handled apart from the other classes.
func retryReason(err error) (reason string, retryable bool) {
	if _, held := auth.CredentialsUnavailable(err); held {
		return "", false // IAM or the metadata service failing: the backoff says when to ask again
	}
	var apiErr *transport.APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized {
		return "auth_refresh", false
	}
	if isMalformedPage(err) {
		return "malformed", true
	}
	switch transport.Classify(err) {
	case transport.ClassThrottled:
		return "throttled", true
	case transport.ClassServer:
		return "server_error", true
	case transport.ClassNetwork:
		return "network", true
	}
	return "", false
}

// backoff returns the sleep before retry number attempt+1: Retry-After when
// the server sent one, else exponential backoff with full jitter. Throttling
// starts from a higher base, as the gateway asks for seconds, not millis.
//
// With a Budget, a throttled call waits in the budget, which holds every
// call of the operation until the refusing window is over; the wait
// returned is that hold, so a caller whose deadline comes first gives up.
func (c *Client) backoff(op, reason string, attempt int, retryAfter time.Duration) time.Duration {
	if reason == "throttled" && c.cfg.Budget != nil {
		return c.cfg.Budget.ReadyIn(op)
	}
	if retryAfter > 0 {
		return min(retryAfter, c.cfg.MaxRetryDelay)
	}
	base := c.cfg.RetryBaseDelay
	if reason == "throttled" {
		base = c.cfg.ThrottleBaseDelay
	}
	ceiling := min(base<<min(attempt, 16), c.cfg.MaxRetryDelay)
	// Full jitter, but never below a tenth of the step, so a throttled
	// client does not come straight back.
	return ceiling/10 + rand.N(ceiling-ceiling/10+1)
}

// answer is where a 200 answer goes, and how much of it may be read.
type answer struct {
	out   answerDecoder
	limit int64
}

// attempt sends one HTTP request and decodes a 200 answer into into.out.
// retry, when not empty, is why this attempt repeats an earlier one; it is
// reported only once the attempt really goes out, so the retry counter
// matches the requests made.
func (c *Client) attempt(ctx context.Context, op string, u *url.URL, retry string, into answer) (time.Duration, error) {
	// The budget first: a call waiting for its minute holds no slot, so
	// other operations' calls go on meanwhile.
	res, err := c.cfg.Budget.Reserve(ctx, op)
	if err != nil {
		return 0, &transport.NetworkError{Operation: op, Err: fmt.Errorf("%w: %w", transport.ErrNotSent, err)}
	}
	if err := c.acquire(ctx); err != nil {
		res.Cancel()
		return 0, &transport.NetworkError{Operation: op, Err: fmt.Errorf("%w: %w", transport.ErrNotSent, err)}
	}
	defer c.release()
	sent := false
	defer func() {
		if !sent {
			res.Cancel()
		}
	}()
	if retry != "" {
		c.cfg.Observer.Retry(op, retry)
	}
	if c.cfg.RequestTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.RequestTimeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, fmt.Errorf("%s: building request: %w", op, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	req.Header.Set("X-Project-Id", c.cfg.ProjectID)
	req.Header.Set("region", c.cfg.Region)
	if err := c.authorize(ctx, req); err != nil {
		return 0, err
	}
	start := time.Now()
	sent = true
	sentAt := res.Sent()
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		c.cfg.Observer.RequestDone(op, 0, time.Since(start))
		return 0, &transport.NetworkError{Operation: op, Err: transport.RedactError(transport.StripURL(err), req)}
	}
	defer resp.Body.Close()
	err = c.readAnswer(op, req, resp, into)
	c.cfg.Observer.RequestDone(op, resp.StatusCode, time.Since(start))
	if resp.StatusCode == http.StatusOK {
		c.cfg.Budget.Answered(op)
		return 0, err
	}
	retryAfter := parseRetryAfter(resp.Header.Get("Retry-After"))
	var apiErr *transport.APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusTooManyRequests {
		c.cfg.Budget.Refused(op, sentAt, budget.ParseRefusal(apiErr.Message, retryAfter))
	} else {
		c.cfg.Budget.Answered(op)
	}
	return retryAfter, err
}

// readAnswer decodes a 200 answer as it arrives, or turns any other into
// a *transport.APIError from at most maxErrorBody bytes of it.
func (c *Client) readAnswer(op string, req *http.Request, resp *http.Response, into answer) error {
	if resp.StatusCode != http.StatusOK {
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		if err != nil {
			return &transport.NetworkError{Operation: op, Err: transport.RedactError(fmt.Errorf("reading response body: %w", err), req)}
		}
		var eb errorBody
		_ = json.Unmarshal(body, &eb) // a gateway may answer HTML; the status still tells
		return newAPIError(op, resp, eb, req)
	}
	if resp.ContentLength > into.limit {
		// Declared too large: not one byte of it is worth reading.
		return &transport.DecodeError{Operation: op, Err: fmt.Errorf("%w than %d bytes", transport.ErrBodyTooLarge, into.limit)}
	}
	body := transport.NewBoundedBody(resp.Body, into.limit)
	eb, err := into.out.decodeAnswer(json.NewDecoder(body))
	switch {
	case err != nil:
		err = body.Classify(op, err)
		var netErr *transport.NetworkError
		if errors.As(err, &netErr) {
			netErr.Err = transport.RedactError(netErr.Err, req)
		}
		return err
	case eb != nil:
		// An error body in disguise: read as a page it would be an empty
		// inventory, and a refresh would report success with nothing in it.
		return newAPIError(op, resp, *eb, req)
	}
	return nil
}

func (c *Client) acquire(ctx context.Context) error {
	if c.slots != nil {
		select {
		case c.slots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := c.limiter.Wait(ctx); err != nil {
		c.release()
		return err
	}
	return nil
}

func (c *Client) release() {
	if c.slots != nil {
		<-c.slots
	}
}

// parseRetryAfter reads delay-seconds or an HTTP date; 0 when absent or bad.
func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}
