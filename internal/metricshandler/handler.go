// Package metricshandler serves /metrics: it negotiates the format and
// the encoding, caps scrapes in flight, writes under a deadline per piece,
// and merges a page encoded ahead of scrapes with the live registry. It
// knows nothing of where the page's series come from.
package metricshandler

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/hss-exporter/hss_exporter/internal/exposition"
)

// Opts configure New.
type Opts struct {
	// MaxRequestsInFlight caps parallel scrapes; an excess scrape gets 503
	// at once instead of queuing. 0 means no limit.
	MaxRequestsInFlight int
	// Logger receives errors gathering the live metrics; default none.
	Logger log.Logger
	// WriteTimeout is how long one piece of the page (writePiece bytes)
	// may take to reach the client; a scrape that stalls longer is cut.
	// Default DefaultWriteTimeout.
	WriteTimeout time.Duration
	// Also are further parts of the page encoded ahead of scrapes, served
	// after the first one, each of families of its own: a source that
	// keeps its series encoded plugs in here. A family must belong to one
	// part only, or the page would repeat it.
	Also []Cached
}

// DefaultWriteTimeout lets a scraper take a piece of the page at as little
// as 6.4 KiB/s, yet frees a stalled connection within seconds.
const DefaultWriteTimeout = 10 * time.Second

// writePiece is how much of the page is written under one deadline.
const writePiece = 64 << 10

// Cached is the part of the page encoded ahead of scrapes.
type Cached interface {
	// Segments returns the cached page as served now: for each family,
	// sorted by name, its HELP and TYPE once, then its samples. The same
	// bytes serve both formats.
	Segments() []exposition.Segment
}

// New serves cached, then the families of live, gathered and encoded per
// scrape so they stay live.
//
// Text format 0.0.4 is the default, OpenMetrics is served when the Accept
// header prefers it, and gzip only when Accept-Encoding allows it: one gzip
// member stitched from the chunks compressed ahead and the live part
// compressed per scrape, so nothing large is compressed per scrape.
func New(cached Cached, live prometheus.Gatherer, opts Opts) http.Handler {
	if len(opts.Also) > 0 {
		cached = parts(append([]Cached{cached}, opts.Also...))
	}
	h := &handler{cached: cached, live: live, logger: opts.Logger, writeTimeout: opts.WriteTimeout}
	if h.logger == nil {
		h.logger = log.NewNopLogger()
	}
	if h.writeTimeout <= 0 {
		h.writeTimeout = DefaultWriteTimeout
	}
	if opts.MaxRequestsInFlight > 0 {
		h.inflight = make(chan struct{}, opts.MaxRequestsInFlight)
	}
	return h
}

// parts serves cached pages one after another. Each family is in one part
// only, so each appears once, with its HELP and TYPE once; the order of
// families across parts does not matter to either format.
type parts []Cached

func (p parts) Segments() []exposition.Segment {
	var out []exposition.Segment
	for _, c := range p {
		out = append(out, c.Segments()...)
	}
	return out
}

type handler struct {
	cached       Cached
	live         prometheus.Gatherer
	logger       log.Logger
	inflight     chan struct{} // nil: no limit
	writeTimeout time.Duration
}

// ServeHTTP holds a --web.max-requests slot only while it prepares the
// page; the bytes are written after, each piece under a deadline of its
// own. A slot held while writing let 41 clients that never read take all
// 40 slots, and every other scrape got 503 until the server's write
// timeout, minutes later.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	release := func() {}
	if h.inflight != nil {
		select {
		case h.inflight <- struct{}{}:
			var once sync.Once
			release = func() { once.Do(func() { <-h.inflight }) }
			defer release()
		default:
			http.Error(w, fmt.Sprintf("Limit of concurrent requests reached (%d), try again later.", cap(h.inflight)),
				http.StatusServiceUnavailable)
			return
		}
	}
	contentType := negotiate(r.Header)
	gz := acceptsGzip(r.Header)
	live, err := h.encodeLive(contentType)
	segs := h.cached.Segments()
	if err == nil && gz {
		var c exposition.Chunk
		c, err = compressLive(live)
		segs = append(segs, exposition.NewSegment(c))
	}
	if err != nil {
		http.Error(w, "An error has occurred while encoding the metrics: "+err.Error(), http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", string(contentType))
	hdr.Add("Vary", "Accept-Encoding")
	size := exposition.GzipSize(segs)
	if gz {
		hdr.Set("Content-Encoding", "gzip")
	} else {
		size = exposition.TextSize(segs) + len(live)
	}
	hdr.Set("Content-Length", strconv.Itoa(size))
	release()
	if r.Method == http.MethodHead {
		return
	}
	// The page is thousands of chunks, most of a kilobyte or two: gathered
	// into pieces, it costs one deadline and one write per piece instead of
	// per chunk, and the large chunks go out as they are, uncopied.
	dw := &deadlineWriter{w: w, rc: http.NewResponseController(w), timeout: h.writeTimeout}
	bw := &pieceWriter{w: dw, buf: make([]byte, 0, writePiece)}
	if gz {
		err = exposition.WriteGzip(bw, segs)
	} else if err = exposition.WritePlain(bw, segs); err == nil {
		_, err = bw.Write(live)
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		level.Debug(h.logger).Log("msg", "writing the metrics page failed; the connection is closed", "err", err)
	}
}

// pieceWriter gathers small writes into pieces of up to cap(buf) bytes,
// and passes a write of an eighth of that or more straight through, after
// what it holds: copying the large chunks too made the reference fleet's
// scrape a fifth slower.
type pieceWriter struct {
	w   io.Writer
	buf []byte
}

func (p *pieceWriter) Write(b []byte) (int, error) {
	if len(b) >= cap(p.buf)/8 {
		if err := p.Flush(); err != nil {
			return 0, err
		}
		return p.w.Write(b)
	}
	if len(p.buf)+len(b) > cap(p.buf) {
		if err := p.Flush(); err != nil {
			return 0, err
		}
	}
	p.buf = append(p.buf, b...)
	return len(b), nil
}

// Flush writes what the pieceWriter holds.
func (p *pieceWriter) Flush() error {
	if len(p.buf) == 0 {
		return nil
	}
	_, err := p.w.Write(p.buf)
	p.buf = p.buf[:0]
	return err
}

// deadlineWriter writes to a response in pieces of at most writePiece
// bytes, each under a fresh write deadline: a client that reads steadily
// gets any size of page, one that stalls is cut within timeout.
type deadlineWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		piece := p[:min(len(p), writePiece)]
		// ErrNotSupported (a recorder in tests) leaves the server's own
		// write timeout in charge.
		_ = d.rc.SetWriteDeadline(time.Now().Add(d.timeout))
		n, err := d.w.Write(piece)
		written += n
		if err != nil {
			return written, err
		}
		p = p[n:]
	}
	return written, nil
}

// encodeLive gathers the live families and encodes them as text in the
// negotiated format. A gather error is logged and what was gathered is
// served, so one broken collector does not hide the rest.
func (h *handler) encodeLive(contentType expfmt.Format) ([]byte, error) {
	mfs, gatherErr := h.live.Gather()
	if gatherErr != nil {
		level.Error(h.logger).Log("msg", "error gathering live metrics; serving the rest", "err", gatherErr)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, contentType)
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return nil, err
		}
	}
	if closer, ok := enc.(expfmt.Closer); ok {
		if err := closer.Close(); err != nil { // OpenMetrics: # EOF
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// compressLive compresses the live part of a scrape as the last chunk.
func compressLive(live []byte) (exposition.Chunk, error) {
	d := liveDeflaters.Get().(*exposition.Deflater)
	defer liveDeflaters.Put(d)
	return d.Chunk(func(w io.Writer) error {
		_, err := w.Write(live)
		return err
	})
}

// liveDeflaters compress the live part of scrapes; it is small and fresh
// every time, so the fastest level.
var liveDeflaters = sync.Pool{New: func() any { return exposition.NewDeflater(flate.BestSpeed) }}

// negotiate picks the format of the response: text format 0.0.4 unless
// the Accept header prefers OpenMetrics (curl's */* gets text). Protocol
// buffers are not offered; a scraper asking for them also accepts text.
func negotiate(h http.Header) expfmt.Format {
	return expfmt.NegotiateAccept(h, expfmt.FmtText, expfmt.FmtOpenMetrics_1_0_0, expfmt.FmtOpenMetrics_0_0_1)
}

// acceptsGzip reports whether Accept-Encoding allows gzip (or any coding
// by "*") with a quality above zero.
func acceptsGzip(h http.Header) bool {
	for _, value := range h.Values("Accept-Encoding") {
		for _, part := range strings.Split(value, ",") {
			coding, params, _ := strings.Cut(part, ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding != "gzip" && coding != "x-gzip" && coding != "*" {
				continue
			}
			return !zeroQuality(params)
		}
	}
	return false
}

// zeroQuality reports whether the parameters of one coding say q=0.
func zeroQuality(params string) bool {
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return err == nil && q == 0
		}
	}
	return false
}
