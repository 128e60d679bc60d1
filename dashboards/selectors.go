package dashboards

import (
	"fmt"
	"strings"
	"unicode"
)

// Matcher is one label matcher of a selector, as written: job=~"$job".
type Matcher struct{ Name, Op, Value string }

// Selector is one series selector of a PromQL query: a metric name and
// its matchers, or matchers alone ({job="x"}). Range is the [...] after it,
// if any, and Call the function it is an argument of ("" when none).
type Selector struct {
	Metric   string
	Matchers []Matcher
	Range    string
	Call     string
}

// token is one lexeme of a query.
type token struct {
	kind byte // 'i' identifier, 's' string, 'n' number, or the punctuation itself
	text string
}

// lex splits a PromQL query into tokens. It knows only what finding the
// selectors needs: identifiers (with ':' for recording rules and '$' for
// Grafana variables), quoted strings, numbers and durations, and the
// single characters around them.
func lex(expr string) ([]token, error) {
	var out []token
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"' || c == '\'' || c == '`':
			j := i + 1
			for j < len(expr) && expr[j] != c {
				if expr[j] == '\\' && c != '`' {
					j++
				}
				j++
			}
			if j >= len(expr) {
				return nil, fmt.Errorf("unterminated string at %d", i)
			}
			out = append(out, token{'s', expr[i+1 : j]})
			i = j + 1
		case isWordStart(c):
			j := i + 1
			for j < len(expr) && (isWordStart(expr[j]) || unicode.IsDigit(rune(expr[j]))) {
				j++
			}
			out = append(out, token{'i', expr[i:j]})
			i = j
		case unicode.IsDigit(rune(c)) || c == '.':
			j := i + 1
			for j < len(expr) && (unicode.IsLetter(rune(expr[j])) || unicode.IsDigit(rune(expr[j])) || expr[j] == '.') {
				j++
			}
			out = append(out, token{'n', expr[i:j]})
			i = j
		case c == '=' || c == '!':
			op := string(c)
			if i+1 < len(expr) && (expr[i+1] == '=' || expr[i+1] == '~') {
				op += string(expr[i+1])
			}
			out = append(out, token{'=', op})
			i += len(op)
		default:
			out = append(out, token{c, string(c)})
			i++
		}
	}
	return out, nil
}

func isWordStart(c byte) bool {
	return c == '_' || c == ':' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// notMetrics are identifiers that are never a metric name.
var notMetrics = map[string]bool{
	"and": true, "or": true, "unless": true, "bool": true, "offset": true, "atan2": true,
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
	"inf": true, "nan": true, "Inf": true, "NaN": true,
}

// labelLists are keywords followed by a parenthesised list of label names.
var labelLists = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true}

// Selectors returns every series selector of a PromQL query, in order.
func Selectors(expr string) ([]Selector, error) {
	toks, err := lex(expr)
	if err != nil {
		return nil, err
	}
	var out []Selector
	var calls []string // the function each open parenthesis belongs to
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		next := func(k int) token {
			if i+k < len(toks) {
				return toks[i+k]
			}
			return token{}
		}
		switch {
		case t.kind == 'i' && labelLists[t.text] && next(1).kind == '(':
			i = skipPast(toks, i+1, ')') // label names, not metrics
		case t.kind == 'i' && next(1).kind == 'i' && (next(1).text == "by" || next(1).text == "without"):
			// `sum by (...) (...)`: an aggregation, not a metric
		case t.kind == 'i' && next(1).kind == '(':
			calls = append(calls, t.text)
			i++
		case t.kind == '(':
			calls = append(calls, "")
		case t.kind == ')':
			if len(calls) > 0 {
				calls = calls[:len(calls)-1]
			}
		case t.kind == '[':
			i = skipPast(toks, i, ']') // a subquery's range follows ')'
		case (t.kind == 'i' && !notMetrics[t.text] && !strings.HasPrefix(t.text, "$")) || t.kind == '{':
			s := Selector{}
			if t.kind == 'i' {
				s.Metric = t.text
				i++
			}
			if i < len(toks) && toks[i].kind == '{' {
				s.Matchers, i, err = matchers(toks, i)
				if err != nil {
					return nil, err
				}
				i++
			}
			if i < len(toks) && toks[i].kind == '[' {
				end := skipPast(toks, i, ']')
				s.Range = joinText(toks[i+1 : end])
				i = end + 1
			}
			if len(calls) > 0 {
				s.Call = calls[len(calls)-1]
			}
			out = append(out, s)
			i-- // the loop steps past the selector's last token
		}
	}
	if len(calls) != 0 {
		return nil, fmt.Errorf("unbalanced parentheses in %q", expr)
	}
	return out, nil
}

// matchers reads {name op "value", ...} starting at toks[i] == '{' and
// returns the matchers and the index of the closing '}'.
func matchers(toks []token, i int) ([]Matcher, int, error) {
	var out []Matcher
	for i++; i < len(toks) && toks[i].kind != '}'; i++ {
		if toks[i].kind == ',' {
			continue
		}
		if i+2 >= len(toks) || toks[i].kind != 'i' || toks[i+1].kind != '=' || toks[i+2].kind != 's' {
			return nil, i, fmt.Errorf("bad label matcher at %q", joinText(toks[i:min(i+3, len(toks))]))
		}
		out = append(out, Matcher{Name: toks[i].text, Op: toks[i+1].text, Value: toks[i+2].text})
		i += 2
	}
	if i >= len(toks) {
		return nil, i, fmt.Errorf("unclosed {")
	}
	return out, i, nil
}

// skipPast returns the index of the token closing the bracket at
// toks[open], or the last index when there is none.
func skipPast(toks []token, open int, closing byte) int {
	depth := 0
	for j := open; j < len(toks); j++ {
		switch toks[j].kind {
		case toks[open].kind:
			depth++
		case closing:
			if depth--; depth == 0 {
				return j
			}
		}
	}
	return len(toks) - 1
}

func joinText(toks []token) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteString(t.text)
	}
	return b.String()
}
