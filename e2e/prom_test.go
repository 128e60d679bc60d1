package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// sample is one element of an instant-vector result.
type sample struct {
	Metric map[string]string
	Value  float64
}

// promAPI queries a Prometheus server's HTTP API.
type promAPI struct{ base string }

// query runs an instant query. A PromQL error is returned as *queryError,
// so callers can tell a bad expression from a server not up yet.
func (p promAPI) query(expr string) ([]sample, error) { return p.queryAt(expr, "") }

// queryAt runs an instant query at a Unix time ("" for now), so two
// queries can see the same instant.
func (p promAPI) queryAt(expr, at string) ([]sample, error) {
	params := url.Values{"query": {expr}}
	if at != "" {
		params.Set("time", at)
	}
	resp, err := http.Get(p.base + "/api/v1/query?" + params.Encode())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var r struct {
		Status    string `json:"status"`
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
		Data      struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("%s: %s", resp.Status, body)
	}
	if r.Status != "success" {
		return nil, &queryError{expr: expr, msg: r.ErrorType + ": " + r.Error}
	}
	return decodeResult(r.Data.ResultType, r.Data.Result)
}

type queryError struct{ expr, msg string }

func (e *queryError) Error() string { return fmt.Sprintf("query %q: %s", e.expr, e.msg) }

func decodeResult(kind string, raw json.RawMessage) ([]sample, error) {
	switch kind {
	case "vector":
		var v []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, err
		}
		out := make([]sample, len(v))
		for i, s := range v {
			f, err := strconv.ParseFloat(fmt.Sprint(s.Value[1]), 64)
			if err != nil {
				return nil, err
			}
			out[i] = sample{Metric: s.Metric, Value: f}
		}
		return out, nil
	case "scalar":
		var v [2]any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, err
		}
		f, err := strconv.ParseFloat(fmt.Sprint(v[1]), 64)
		return []sample{{Value: f}}, err
	}
	return nil, fmt.Errorf("unexpected result type %q", kind)
}

// scalar runs a query that must return exactly one sample.
func (p promAPI) scalar(expr string) (float64, error) {
	s, err := p.query(expr)
	if err != nil {
		return 0, err
	}
	if len(s) != 1 {
		return 0, fmt.Errorf("query %q: %d samples, want 1", expr, len(s))
	}
	return s[0].Value, nil
}
