package metricshandler

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// stalledScrape sends GET /metrics for the gzipped page, as Prometheus
// does, on a connection whose receive window is a few KiB, and never reads
// the answer.
func stalledScrape(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	dialer := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		_ = c.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return err
	}}
	c, err := dialer.Dial("tcp", addr)
	require.NoError(t, err)
	conn := c.(*net.TCPConn)
	_, err = io.WriteString(conn, "GET /metrics HTTP/1.1\r\nHost: exporter\r\nAccept-Encoding: gzip\r\n\r\n")
	require.NoError(t, err)
	return conn
}

// smallSendBuffers gives every accepted connection a 16 KiB send buffer.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(16 << 10)
	}
	return c, err
}

// firstWriteCounter counts the responses that have begun to be written,
// and unwraps for http.ResponseController.
type firstWriteCounter struct {
	http.ResponseWriter
	writing *atomic.Int32
	began   bool
}

func (w *firstWriteCounter) Write(p []byte) (int, error) {
	if !w.began {
		w.began = true
		w.writing.Add(1)
	}
	return w.ResponseWriter.Write(p)
}

func (w *firstWriteCounter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// readAnswer reads what a stalled connection was sent, once it reads at
// last: the length the headers promised and the body bytes that came.
func readAnswer(t *testing.T, conn *net.TCPConn) (promised, got int64) {
	t.Helper()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(2*time.Second)))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return -1, 0 // cut before the headers
	}
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	promised, _ = strconv.ParseInt(resp.Header.Get("Content-Length"), 10, 64)
	got, _ = io.Copy(io.Discard, resp.Body)
	return promised, got
}

// largePage is a cached page of about 4 MiB gzipped: random hex, which
// compresses to about half.
func largePage(t *testing.T) fixedPage {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	for b.Len() < 8<<20 {
		fmt.Fprintf(&b, "hss_x{id=\"%016x%016x\"} 1\n", rng.Uint64(), rng.Uint64())
	}
	return pageOf(t, b.String())
}

// TestStalledScrapersHoldNoSlotAndAreCut: 41 clients send GET /metrics for
// a page of megabytes and never read, with --web.max-requests at its
// default of 40. A normal scrape still gets 200 within seconds, and
// each stalled connection is cut once a piece of the page has waited the
// write timeout, rather than kept for the server's minutes-long one.
func TestStalledScrapersHoldNoSlotAndAreCut(t *testing.T) {
	t.Parallel()
	page := largePage(t)
	const writeTimeout = time.Second
	var writing atomic.Int32
	metrics := New(page, liveGauge(), Opts{MaxRequestsInFlight: 40, WriteTimeout: writeTimeout})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		metrics.ServeHTTP(&firstWriteCounter{ResponseWriter: w, writing: &writing}, r)
	}))
	srv.Config.WriteTimeout = 2 * time.Minute // as main sets it
	var closed atomic.Int32
	srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateClosed {
			closed.Add(1)
		}
	}
	// Small send buffers, as on a slow link: the kernel must not take the
	// whole page off the server's hands for a client that reads nothing.
	srv.Listener = smallSendBuffers{srv.Listener}
	srv.Start()
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()

	// One after another, each writing before the next arrives: 41 arriving
	// at once may rightly find 40 still preparing, and the last gets 503.
	stalled := make([]*net.TCPConn, 41)
	for i := range stalled {
		stalled[i] = stalledScrape(t, addr)
		t.Cleanup(func() { _ = stalled[i].Close() })
		require.Eventually(t, func() bool { return writing.Load() == int32(i+1) }, 30*time.Second, time.Millisecond,
			"stalled scrape %d is being written", i)
	}
	time.Sleep(200 * time.Millisecond) // every stalled scrape is blocked writing

	start := time.Now()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
	require.NoError(t, err)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "a normal scrape is served: %.200s", body)
	require.EqualValues(t, resp.ContentLength, len(body), "and in full")
	within := 5 * time.Second
	if raceEnabled {
		within = 30 * time.Second // 42 scrapes share two cores, slowed down tenfold
	}
	took := time.Since(start)
	require.Less(t, took, within, "not queued behind the stalled scrapes")
	require.Greater(t, len(body), 1<<20, "the page is larger than what a stalled connection's buffers hold")

	// Each stalled connection is closed by the server soon after a piece
	// has waited the write timeout, not after the server's 2 minutes.
	// Under the race detector on a busy machine, 42 scrapes may wait long
	// for a core; the bound still lies far inside the server's 2 minutes.
	cutWithin := writeTimeout + 5*time.Second
	if raceEnabled {
		cutWithin = 30 * time.Second
	}
	require.Eventually(t, func() bool { return closed.Load() >= int32(len(stalled)) },
		cutWithin, 50*time.Millisecond, "closed %d of %d", closed.Load(), len(stalled))
	t.Logf("normal scrape served in %v; all %d stalled connections cut %v after the scrape began",
		took, len(stalled), time.Since(start))
	// What a stalled client gets when it reads at last is a cut page (the
	// kernel may even have dropped what was queued for it).
	var wg sync.WaitGroup
	cut := make([]bool, len(stalled))
	for i, conn := range stalled {
		wg.Go(func() {
			promised, got := readAnswer(t, conn)
			cut[i] = promised < 0 || got < promised
		})
	}
	wg.Wait()
	for i := range cut {
		require.True(t, cut[i], "stalled scrape %d was sent in full, not cut", i)
	}
}
