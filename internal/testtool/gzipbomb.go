package testtool

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
)

// WriteGzipBomb writes to w a gzip file that inflates to head, then fill
// repeated up to about size bytes, then tail: a state file or an answer
// of a few MB that inflates to hundreds. It is written as gzip members
// of 1 MiB of fill each (gzip readers read concatenated members as one
// stream), so a 900 MiB bomb takes milliseconds to make, not seconds.
func WriteGzipBomb(w io.Writer, head, fill string, size int64, tail string) error {
	member := func(s string) []byte {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		_, _ = zw.Write([]byte(s))
		_ = zw.Close()
		return b.Bytes()
	}
	chunk := strings.Repeat(fill, max(1, (1<<20)/len(fill)))
	block := member(chunk)
	if _, err := w.Write(member(head)); err != nil {
		return err
	}
	for n := int64(0); n < size; n += int64(len(chunk)) {
		if _, err := w.Write(block); err != nil {
			return err
		}
	}
	_, err := w.Write(member(tail))
	return err
}
