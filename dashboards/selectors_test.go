package dashboards

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSelectors(t *testing.T) {
	t.Parallel()
	m := func(name, op, value string) Matcher { return Matcher{name, op, value} }
	tests := []struct {
		expr string
		want []Selector
	}{
		{`up`, []Selector{{Metric: "up"}}},
		{`{job="x"}`, []Selector{{Matchers: []Matcher{m("job", "=", "x")}}}},
		{`sum by (le, operation) (rate(a_bucket{job=~"$job", x!="y,}"}[$__rate_interval]))`,
			[]Selector{{Metric: "a_bucket", Matchers: []Matcher{m("job", "=~", "$job"), m("x", "!=", "y,}")}, Range: "$__rate_interval", Call: "rate"}}},
		{`sum(x) by (target) / on (target) group_left(severity) topk by (t) (1, y{a!~"b"}) or on() vector(0)`,
			[]Selector{{Metric: "x", Call: "sum"}, {Metric: "y", Matchers: []Matcher{m("a", "!~", "b")}, Call: ""}}},
		{`count(count_values("ordinal", s{job="j"})) > bool 0 unless time() - t offset 5m`,
			[]Selector{{Metric: "s", Matchers: []Matcher{m("job", "=", "j")}, Call: "count_values"}, {Metric: "t"}}},
		{`sum(abs(delta((sum by (t) (max by (t, shard) (z)))[$__rate_interval:])))`,
			[]Selector{{Metric: "z", Call: ""}}},
		{`histogram_quantile(0.95, rate(a:b_bucket[5m] offset 1h)) * 1e3`,
			[]Selector{{Metric: "a:b_bucket", Range: "5m", Call: "rate"}}},
	}
	for _, tt := range tests {
		got, err := Selectors(tt.expr)
		require.NoError(t, err, tt.expr)
		require.Equal(t, tt.want, got, tt.expr)
	}
	for _, bad := range []string{`sum(up`, `up{job=}`, `up{job="x"`, `up{job="x}`} {
		_, err := Selectors(bad)
		require.Error(t, err, bad)
	}
}
