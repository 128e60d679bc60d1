// Package exposition turns a source's series into the bytes /metrics
// serves: metric families, a line encoder, chunks compressed once and
// stitched into one gzip member per scrape, and a cache of encoded units
// keyed by source, kind and bucket. It knows nothing of where the series
// come from.
package exposition

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"io"
)

// Chunk is a piece of the exposition compressed on its own into deflate
// blocks that are not final and end on a byte boundary (a sync flush), so
// chunks written one after another form one deflate stream. A scrape wraps
// the chunks it serves in a single gzip member: one gzip header, the
// chunks, a final empty block and a trailer whose CRC is combined from the
// chunks' own. Several gzip members would be valid too, but curl and some
// browsers stop after the first.
type Chunk struct {
	deflated []byte
	crc      uint32 // CRC-32 (IEEE) of the text
	size     int    // length of the text
}

var (
	// gzipHeader: deflate, no name, no time, unknown OS (RFC 1952).
	gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}
	// finalBlock is an empty stored block marked final (RFC 1951).
	finalBlock = []byte{1, 0, 0, 0xff, 0xff}
)

// Deflater compresses chunks, reusing one buffer and one compressor.
type Deflater struct {
	buf bytes.Buffer
	fw  *flate.Writer
}

// NewDeflater returns a Deflater at a compress/flate level.
func NewDeflater(level int) *Deflater {
	d := &Deflater{}
	d.fw, _ = flate.NewWriter(&d.buf, level) // errors only for an invalid level
	return d
}

// Chunk returns what write writes, compressed as one chunk. The compressor
// starts afresh, so the chunk refers to nothing before it.
func (d *Deflater) Chunk(write func(io.Writer) error) (Chunk, error) {
	d.buf.Reset()
	d.fw.Reset(&d.buf)
	cw := &crcWriter{w: d.fw}
	if err := write(cw); err != nil {
		return Chunk{}, err
	}
	if err := d.fw.Flush(); err != nil {
		return Chunk{}, err
	}
	return Chunk{deflated: bytes.Clone(d.buf.Bytes()), crc: cw.crc, size: cw.n}, nil
}

// crcWriter passes writes on and sums their length and CRC-32.
type crcWriter struct {
	w   io.Writer
	crc uint32
	n   int
}

func (c *crcWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.crc = crc32.Update(c.crc, crc32.IEEETable, p[:n])
	c.n += n
	return n, err
}

// Segment is a run of chunks written one after another, with the CRC and
// length of their text combined once, when it is made, rather than on
// every scrape.
type Segment struct {
	chunks []Chunk
	crc    uint32 // CRC-32 (IEEE) of the text of all chunks
	size   int    // length of that text
}

// NewSegment combines chunks into a Segment.
func NewSegment(chunks ...Chunk) Segment {
	s := Segment{chunks: chunks}
	for _, c := range chunks {
		s.crc = crc32Combine(s.crc, c.crc, c.size)
		s.size += c.size
	}
	return s
}

// GzipSize is the length of the gzip member WriteGzip writes.
func GzipSize(segs []Segment) int {
	n := len(gzipHeader) + len(finalBlock) + 8
	for _, s := range segs {
		for _, c := range s.chunks {
			n += len(c.deflated)
		}
	}
	return n
}

// TextSize is the length of the text of segs.
func TextSize(segs []Segment) int {
	n := 0
	for _, s := range segs {
		n += s.size
	}
	return n
}

// WriteGzip writes segs as one gzip member.
func WriteGzip(w io.Writer, segs []Segment) error {
	if _, err := w.Write(gzipHeader); err != nil {
		return err
	}
	var crc uint32
	var size int
	for _, s := range segs {
		for _, c := range s.chunks {
			if _, err := w.Write(c.deflated); err != nil {
				return err
			}
		}
		crc = crc32Combine(crc, s.crc, s.size)
		size += s.size
	}
	trailer := make([]byte, 0, len(finalBlock)+8)
	trailer = append(trailer, finalBlock...)
	trailer = binary.LittleEndian.AppendUint32(trailer, crc)
	trailer = binary.LittleEndian.AppendUint32(trailer, uint32(size)) // ISIZE is the length mod 2^32
	_, err := w.Write(trailer)
	return err
}

// WritePlain writes the text of segs, for a scraper that takes no gzip.
func WritePlain(w io.Writer, segs []Segment) error {
	var readers []io.Reader
	for _, s := range segs {
		for _, c := range s.chunks {
			readers = append(readers, bytes.NewReader(c.deflated))
		}
	}
	if len(readers) == 0 {
		return nil
	}
	fr := flate.NewReader(io.MultiReader(append(readers, bytes.NewReader(finalBlock))...))
	defer fr.Close()
	_, err := io.Copy(w, fr)
	return err
}

// crc32Combine returns the CRC-32 of a text a followed by a text b, given
// the CRC of each and the length of b, as zlib's crc32_combine does:
// appending lenB zero bytes to a multiplies its CRC by x^(8 lenB) modulo
// the CRC polynomial, and x^(2^k) for every k is in a table, so the cost
// is a few multiplications per bit of lenB.
func crc32Combine(crcA, crcB uint32, lenB int) uint32 {
	if lenB <= 0 {
		return crcA
	}
	return multModP(xPow8N(uint64(lenB)), crcA) ^ crcB
}

// crcPoly is the reflected IEEE polynomial, x^32 implied.
const crcPoly = 0xedb88320

// multModP multiplies a and b modulo the CRC polynomial, in the reflected
// bit order the CRC uses (x^0 is the top bit).
func multModP(a, b uint32) uint32 {
	var p uint32
	for m := uint32(1) << 31; m != 0; m >>= 1 {
		if a&m != 0 {
			p ^= b
		}
		if b&1 != 0 {
			b = b>>1 ^ crcPoly
		} else {
			b >>= 1
		}
	}
	return p
}

// x2n[k] is x^(2^k) modulo the polynomial.
var x2n = func() (t [64]uint32) {
	p := uint32(1) << 30 // x^1
	t[0] = p
	for k := 1; k < len(t); k++ {
		p = multModP(p, p)
		t[k] = p
	}
	return t
}()

// xPow8N returns x^(8n) modulo the polynomial.
func xPow8N(n uint64) uint32 {
	p := uint32(1) << 31 // x^0
	for k := 3; n != 0; n, k = n>>1, k+1 {
		if n&1 != 0 {
			p = multModP(x2n[k%len(x2n)], p)
		}
	}
	return p
}

// Size is the length of the chunk's text; 0 for an empty chunk.
func (c Chunk) Size() int { return c.size }
