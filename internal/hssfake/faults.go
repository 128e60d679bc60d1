package hssfake

import (
	"net/http"
	"sync"
	"time"
)

// FaultKind names one kind of injected failure.
type FaultKind int

// Fault kinds. Body faults corrupt only successful (200) answers.
const (
	// FaultLatency waits Delay (or until the client gives up), then lets the
	// request continue to the next rule and the real handler.
	FaultLatency FaultKind = iota + 1
	// FaultStatus answers Status with the body the gateway or service would
	// send: 429 APIG.0308, 500 HSS.1000, 502/503/504 APIG.0201, 401 APIG.0301.
	FaultStatus
	// FaultMalformedJSON answers 200 with a body that is not valid JSON.
	FaultMalformedJSON
	// FaultCutJSON answers 200 with the first half of the real body and a
	// matching Content-Length: the JSON ends early.
	FaultCutJSON
	// FaultTruncatedBody declares the real body's Content-Length, sends half
	// of it and closes the connection.
	FaultTruncatedBody
	// FaultReset closes the connection with a TCP reset before answering.
	FaultReset
	// FaultHang accepts the request and never answers, until the client
	// cancels or the server closes.
	FaultHang
	// FaultSlowBody sends the status, the headers and half of the real
	// body, waits Delay (or until the client gives up), then sends the rest:
	// a body that trickles in after the headers arrived on time.
	FaultSlowBody
	// FaultBody answers 200 with Body in place of the real page, as a
	// misconfigured gateway or a half-outage may: {}, null, or a total_num
	// far above an empty data_list. Error answers pass through intact.
	FaultBody
)

// Fault is one rule of injected failure. Rules are matched in order; each
// counts the requests it matches, so tests get exact, repeatable behaviour.
type Fault struct {
	Operation  string // "" matches every operation
	Kind       FaultKind
	Delay      time.Duration // FaultLatency, FaultSlowBody
	Status     int           // FaultStatus
	RetryAfter string        // FaultStatus: Retry-After header value, "" for none
	Body       string        // FaultBody
	// Message is FaultStatus 429's error_msg in place of the gateway's
	// "over ratelimit,limit:20,time:1 second", to name another limit.
	Message string
	// Times limits the rule to its first Times firings; 0 means forever.
	Times int
	// Every fires the rule only on every Every-th matching request (the
	// Every-th, 2*Every-th, ...); 0 or 1 means each one.
	Every int
}

// Faults is the fault configuration of a server.
type Faults struct {
	Rules []Fault
	// TotalDrift is added to total_num once per page (offset/limit times), so
	// total_num changes between pages of one listing.
	TotalDrift int64
	// DuplicateRows acts as if that many rows were inserted in front before
	// each page after the first: every page boundary repeats DuplicateRows
	// rows, total_num grows to match, and no row is lost (keep it below the
	// page size).
	DuplicateRows int
	// MaxLimit, when set, rejects a limit above it with 400 HSS.0001, like an
	// endpoint with a smaller page size than documented.
	MaxLimit int
	// LimitFactor, when above 1, serves pages of LimitFactor times the rows
	// limit asks for, like an endpoint that ignores limit (10,000 rows to a
	// limit of 200 at 50).
	LimitFactor int
	// RemoveHeadRows removes that many containers at the head of the list
	// from the fleet before answering a later page (offset > 0) of
	// ListLocalImageContainers or ListContainers, as containers that stop
	// between two pages:
	// the rows behind them move up, so offset paging skips as many live
	// rows, and total_num drops.
	RemoveHeadRows int
	// RepeatRows starts a later page (offset > 0) of
	// ListLocalImageContainers or ListContainers that many rows before its
	// offset, with total_num unchanged: the page repeats rows of
	// the page before in place of live ones, so a listing that ends on
	// total_num never sees its last rows.
	RepeatRows int
	// MovingPages limits RemoveHeadRows and RepeatRows to that many later
	// pages; 0 means every later page.
	MovingPages int
}

// faultState is the live configuration plus the rules' counters.
type faultState struct {
	mu     sync.Mutex
	cfg    Faults
	seen   []int // matching requests per rule
	firing []int // firings per rule
	moved  int   // later pages RemoveHeadRows or RepeatRows acted on
}

// SetFaults replaces the fault configuration and resets the rule counters.
func (s *Server) SetFaults(f Faults) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	f.Rules = append([]Fault(nil), f.Rules...)
	s.faults.cfg = f
	s.faults.seen = make([]int, len(f.Rules))
	s.faults.firing = make([]int, len(f.Rules))
	s.faults.moved = 0
}

// AddFault appends one rule to the current configuration.
func (s *Server) AddFault(rule Fault) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.cfg.Rules = append(s.faults.cfg.Rules, rule)
	s.faults.seen = append(s.faults.seen, 0)
	s.faults.firing = append(s.faults.firing, 0)
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() { s.SetFaults(Faults{}) }

func (s *Server) currentFaults() Faults {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return s.faults.cfg
}

func (s *Server) faultMaxLimit() int { return s.currentFaults().MaxLimit }

// movingPage reports whether RemoveHeadRows and RepeatRows act on this
// later page, counting it when they do.
func (s *Server) movingPage() bool {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	f := s.faults.cfg
	if (f.RemoveHeadRows <= 0 && f.RepeatRows <= 0) || (f.MovingPages > 0 && s.faults.moved >= f.MovingPages) {
		return false
	}
	s.faults.moved++
	return true
}

// nextFaults returns the rules that fire for this request of op, updating
// the counters: every latency rule that fires, then at most one other rule.
func (s *Server) nextFaults(op string) []Fault {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	var out []Fault
	for i, rule := range s.faults.cfg.Rules {
		if rule.Operation != "" && rule.Operation != op {
			continue
		}
		s.faults.seen[i]++
		if rule.Every > 1 && s.faults.seen[i]%rule.Every != 0 {
			continue
		}
		if rule.Times > 0 && s.faults.firing[i] >= rule.Times {
			continue
		}
		s.faults.firing[i]++
		out = append(out, rule)
		if rule.Kind != FaultLatency {
			break
		}
	}
	return out
}

// serveWithFaults runs h under the faults that fire for this request.
func (s *Server) serveWithFaults(op string, w http.ResponseWriter, r *http.Request, h http.HandlerFunc) {
	for _, f := range s.nextFaults(op) {
		switch f.Kind {
		case FaultLatency:
			if !s.wait(r, f.Delay) {
				panic(http.ErrAbortHandler) // drop the connection, answer nothing
			}
		case FaultStatus:
			writeFaultStatus(w, r, f)
			return
		case FaultReset:
			resetConn(w)
			return
		case FaultHang:
			s.wait(r, -1)
			panic(http.ErrAbortHandler)
		case FaultMalformedJSON, FaultCutJSON, FaultTruncatedBody, FaultBody:
			serveCorrupted(w, r, h, f)
			return
		case FaultSlowBody:
			s.serveSlowly(w, r, h, f.Delay)
			return
		}
	}
	h(w, r)
}

// wait sleeps d (forever when d < 0) unless the client goes away or the
// server closes first; it reports whether the request should continue.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	var timer <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-timer:
		return true
	case <-r.Context().Done():
	case <-s.done:
	}
	return false
}
