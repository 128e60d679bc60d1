package hssfake

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

// malformedBody is not JSON any decoder accepts.
const malformedBody = `{"total_num": 1, "data_list": [{"container_id": }]}`

func writeFaultStatus(w http.ResponseWriter, r *http.Request, f Fault) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	switch f.Status {
	case http.StatusTooManyRequests:
		msg := "The throttling threshold has been reached: policy user over ratelimit,limit:20,time:1 second"
		if f.Message != "" {
			msg = f.Message
		}
		writeGatewayError(w, r, f.Status, "APIG.0308", msg)
	case http.StatusUnauthorized:
		writeGatewayError(w, r, f.Status, "APIG.0301", msgTokenFail)
	case http.StatusBadGateway, http.StatusServiceUnavailable:
		writeGatewayError(w, r, f.Status, "APIG.0201", "Backend unavailable")
	case http.StatusGatewayTimeout:
		writeGatewayError(w, r, f.Status, "APIG.0201", "Backend timeout")
	default:
		writeHSSError(w, f.Status, "HSS.1000", "System error")
	}
}

// resetConn drops the connection with a TCP RST (linger 0), the way a
// crashed load balancer does.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	closeAfterCount(w, conn)
}

// closeAfterCount closes a hijacked connection once the request has been
// counted (at once when w is not the server's own recorder).
func closeAfterCount(w http.ResponseWriter, conn net.Conn) {
	if rec, ok := w.(*recorder); ok {
		rec.closeLater(conn)
		return
	}
	_ = conn.Close()
}

// bufferWriter captures a handler's answer so a fault can corrupt it.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferWriter) Header() http.Header { return b.header }
func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
func (b *bufferWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

// serveCorrupted runs h, then sends its answer damaged by f when it is a
// 200; any other answer (401, 400, ...) passes through intact.
func serveCorrupted(w http.ResponseWriter, r *http.Request, h http.HandlerFunc, f Fault) {
	buf := &bufferWriter{header: http.Header{}}
	h(buf, r)
	for k, v := range buf.header {
		w.Header()[k] = v
	}
	body := buf.body.Bytes()
	if buf.status != http.StatusOK {
		w.WriteHeader(buf.status)
		_, _ = w.Write(body)
		return
	}
	switch f.Kind {
	case FaultBody:
		body = []byte(f.Body)
	case FaultMalformedJSON:
		body = []byte(malformedBody)
	case FaultCutJSON:
		body = body[:len(body)/2]
	case FaultTruncatedBody:
		sendTruncated(w, body)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// sendTruncated writes a 200 that declares len(body) bytes, sends half and
// closes the connection, so the client reads an unexpected EOF.
func sendTruncated(w http.ResponseWriter, body []byte) {
	header := w.Header().Clone()
	if rec, ok := w.(*recorder); ok {
		rec.answered(http.StatusOK) // counted as sent, though it never completes
	}
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer closeAfterCount(w, conn)
	header.Set("Content-Length", strconv.Itoa(len(body)))
	writeRawResponse(rw.Writer, header, body[:len(body)/2])
}

func writeRawResponse(bw *bufio.Writer, header http.Header, partial []byte) {
	fmt.Fprintf(bw, "HTTP/1.1 200 OK\r\n")
	_ = header.Write(bw)
	fmt.Fprintf(bw, "\r\n")
	_, _ = bw.Write(partial)
	_ = bw.Flush()
}

// serveSlowly runs h and sends its answer in two halves, Delay apart. When
// the client gives up in between, the connection is dropped.
func (s *Server) serveSlowly(w http.ResponseWriter, r *http.Request, h http.HandlerFunc, delay time.Duration) {
	buf := &bufferWriter{header: http.Header{}}
	h(buf, r)
	for k, v := range buf.header {
		w.Header()[k] = v
	}
	body := buf.body.Bytes()
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(max(buf.status, http.StatusOK))
	_, _ = w.Write(body[:len(body)/2])
	_ = http.NewResponseController(w).Flush()
	if !s.wait(r, delay) {
		panic(http.ErrAbortHandler)
	}
	_, _ = w.Write(body[len(body)/2:])
}
