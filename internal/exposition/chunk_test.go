package exposition

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"hash/crc32"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCRC32Combine(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat([]byte("hss_container_info{target=\"prod\"} 1\n"), 5000)
	for _, cut := range []int{0, 1, 7, 4096, 65535, 65536, len(data) - 1, len(data)} {
		a, b := data[:cut], data[cut:]
		require.Equal(t, crc32.ChecksumIEEE(data),
			crc32Combine(crc32.ChecksumIEEE(a), crc32.ChecksumIEEE(b), len(b)), "cut at %d", cut)
	}
}

func TestChunksMakeOneGzipMember(t *testing.T) {
	t.Parallel()
	texts := []string{"# HELP a x\n", "", "a 1\n", strings.Repeat("b{l=\"v\"} 2\n", 10000)}
	d := NewDeflater(flate.DefaultCompression)
	var chunks []Chunk
	for _, text := range texts {
		c, err := d.Chunk(func(w io.Writer) error { _, err := io.WriteString(w, text); return err })
		require.NoError(t, err)
		chunks = append(chunks, c)
	}
	// Segments of one chunk and of several make one stream alike.
	segs := []Segment{NewSegment(chunks[0]), NewSegment(chunks[1:]...)}
	var gz, plain bytes.Buffer
	require.NoError(t, WriteGzip(&gz, segs))
	require.Equal(t, GzipSize(segs), gz.Len())
	require.NoError(t, WritePlain(&plain, segs))
	want := strings.Join(texts, "")
	require.Equal(t, want, plain.String())

	rest := bytes.NewReader(gz.Bytes())
	zr, err := gzip.NewReader(rest)
	require.NoError(t, err)
	zr.Multistream(false)
	got, err := io.ReadAll(zr) // checks the CRC and length in the trailer
	require.NoError(t, err)
	require.Equal(t, want, string(got))
	require.Zero(t, rest.Len())

	if gunzip, err := exec.LookPath("gzip"); err == nil {
		cmd := exec.Command(gunzip, "-dc")
		cmd.Stdin = bytes.NewReader(gz.Bytes())
		out, err := cmd.Output()
		require.NoError(t, err)
		require.Equal(t, want, string(out))
	}
}
