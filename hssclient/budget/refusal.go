package budget

import (
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"time"
)

// A 429 teaches an operation's budget two things, and both let go.
//
// The hold: no call of the operation starts again inside the window that
// refused it, or before Retry-After. While refusals come in a row (no
// answer between) each hold doubles, from a few seconds to the minute, so
// a gateway refusing every call in one-second windows gets a handful of
// calls a minute, not one a second.
//
// The ceiling: a 429 that names a limit lower than the budget makes that
// limit the budget at once. It holds for HoldMinutes after the latest
// refusal, then climbs by one factor each minute and is gone (the budget
// back at api_calls_per_minute) QuietMinutes after that refusal; the next
// refusal brings it down again. A limit learned under one configured rate
// is dropped when the rate changes: the operator has said what the
// account allows.

const (
	// HoldMinutes is how long a learned limit holds unchanged after the
	// latest refusal, in minutes of the budget.
	HoldMinutes = 5
	// QuietMinutes is how long after the latest refusal a learned limit
	// is gone, in minutes of the budget: it climbs in equal factors, one
	// a minute, from HoldMinutes until then.
	QuietMinutes = 10
	// firstHoldSeconds is the shortest hold after a refusal: HSS asks
	// for a backoff "starting at a few seconds", as a one-second window
	// lets the next call fail as well.
	firstHoldSeconds = 4
	// maxRetryAfter bounds a Retry-After, which a broken gateway could
	// set to years.
	maxRetryAfter = time.Hour
)

// learnedLimit is a ceiling a 429 named, with what it was learned under.
type learnedLimit struct {
	limit int           // calls per span
	span  time.Duration // with the client's guard
	under float64       // the configured calls a minute when it was learned
	at    time.Time     // the latest refusal
}

// ceilingAt returns the calls per l.span allowed at now, climbing from
// l.limit to the configured rate; gone is true once it is back there.
func (l *learnedLimit) ceilingAt(now time.Time, minute time.Duration, configured float64) (limit int, gone bool) {
	learned := callRate(l.limit, l.span)
	elapsed := now.Sub(l.at)
	switch {
	case learned >= configured || elapsed >= QuietMinutes*minute:
		return 0, true
	case elapsed < HoldMinutes*minute:
		return l.limit, false
	}
	step := 1 + int((elapsed-HoldMinutes*minute)/minute)
	factor := math.Pow(configured/learned, float64(step)/float64(QuietMinutes-HoldMinutes+1))
	return max(l.limit, int(math.Min(math.Floor(float64(l.limit)*factor), math.MaxInt32))), false
}

// settle brings w's limit up to now: a learned limit climbs, or goes when
// its time is up or the configured rate is no longer the one it was
// learned under; a refusal streak ends after a quiet period. b.mu is held.
func (b *Budget) settle(w *opWindow, now time.Time) {
	if w.refusals > 0 && now.Sub(w.refusedAt) >= QuietMinutes*b.opts.Minute {
		w.refusals = 0
	}
	cfgLimit, cfgSpan := b.configuredWindow()
	if l := w.learned; l != nil && l.under == b.perMinute {
		if limit, gone := l.ceilingAt(now, b.opts.Minute, callRate(cfgLimit, cfgSpan)); !gone {
			w.limit, w.span = limit, l.span
			return
		}
	}
	w.learned = nil
	w.limit, w.span = cfgLimit, cfgSpan
}

func uniformJitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d + 1)
}

// Refusal is what a 429 says of the limit that refused a call.
type Refusal struct {
	Limit      int           // calls allowed per Window; 0 when the answer did not say
	Window     time.Duration // the limit's window; 0 when the answer did not say
	RetryAfter time.Duration // from the Retry-After header; 0 when absent
}

// refusalRE reads the gateway's "over ratelimit, limit:5, time:1 minute".
var refusalRE = regexp.MustCompile(`(?i)limit\s*:\s*(\d{1,9})\s*,\s*time\s*:\s*(\d{1,6})\s*(second|minute|hour)`)

// ParseRefusal reads the limit and window a 429's error message names.
func ParseRefusal(msg string, retryAfter time.Duration) Refusal {
	r := Refusal{RetryAfter: retryAfter}
	m := refusalRE.FindStringSubmatch(msg)
	if m == nil {
		return r
	}
	limit, err1 := strconv.Atoi(m[1])
	n, err2 := strconv.Atoi(m[2])
	if err1 != nil || err2 != nil || limit <= 0 || n <= 0 {
		return r
	}
	unit := map[string]time.Duration{"second": time.Second, "minute": time.Minute, "hour": time.Hour}
	r.Limit, r.Window = limit, time.Duration(n)*unit[toLower(m[3])]
	return r
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Refused records that a call of op sent at sentAt was refused with 429.
// A limit the answer names replaces the budget at once when it is lower;
// any refusal restarts the quiet period of a learned limit. No call of op
// starts again before the hold is over (see above), and for a span after
// it calls are spaced evenly.
func (b *Budget) Refused(op string, sentAt time.Time, r Refusal) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	w := b.op(op)
	now := b.opts.Now()
	retryAfter := min(max(r.RetryAfter, 0), maxRetryAfter)
	window := b.opts.Minute // the documented limit's, when the answer names none
	lowered := false
	switch {
	case r.Limit > 0:
		// The gateway's own units, scaled as the configured minute is.
		window = time.Duration(float64(r.Window) * float64(b.opts.Minute) / float64(time.Minute))
		if callRate(r.Limit, guard(window)) < callRate(w.limit, w.span) {
			w.limit, w.span, lowered = r.Limit, guard(window), true
		}
	case retryAfter > 0:
		window = retryAfter
	}
	if lowered || w.learned != nil {
		// Refused at a ceiling that was climbing: it stops climbing here.
		w.learned = &learnedLimit{limit: w.limit, span: w.span, under: b.perMinute, at: now}
	}
	w.refusals++
	w.refusedAt = now
	until := sentAt.Add(max(b.hold(w.refusals, window), retryAfter))
	if until.After(w.blockedUntil) {
		w.blockedUntil = until
	}
	w.spreadUntil = w.blockedUntil.Add(w.span)
	b.notify()
}

// hold is how long the n-th refusal in a row in a window of window keeps
// the operation's calls back: the window, at least a few seconds, doubled
// for each refusal before it up to a minute (or the window, when longer),
// with a quarter of it at random on top.
func (b *Budget) hold(n int, window time.Duration) time.Duration {
	step := max(window, time.Duration(float64(firstHoldSeconds*time.Second)*float64(b.opts.Minute)/float64(time.Minute)))
	ceiling := max(window, b.opts.Minute)
	for i := 1; i < n && step < ceiling; i++ {
		step *= 2
	}
	step = min(step, ceiling)
	return guard(step) + b.opts.Jitter(step/4)
}

// Answered records that a call of op got an answer other than 429: a run
// of refusals, if any, is over.
func (b *Budget) Answered(op string) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.op(op).refusals = 0
}
