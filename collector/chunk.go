package collector

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"io"
)

// chunk is a piece of the exposition compressed on its own into deflate
// blocks that are not final and end on a byte boundary (a sync flush), so
// chunks written one after another form one deflate stream. A scrape wraps
// the chunks it serves in a single gzip member: one gzip header, the
// chunks, a final empty block and a trailer whose CRC is combined from the
// chunks' own. Several gzip members would be valid too, but curl and some
// browsers stop after the first.
type chunk struct {
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

// deflater compresses chunks, reusing one buffer and one compressor.
type deflater struct {
	buf bytes.Buffer
	fw  *flate.Writer
}

func newDeflater(level int) *deflater {
	d := &deflater{}
	d.fw, _ = flate.NewWriter(&d.buf, level) // errors only for an invalid level
	return d
}

// chunk returns what write writes, compressed as one chunk. The compressor
// starts afresh, so the chunk refers to nothing before it.
func (d *deflater) chunk(write func(io.Writer) error) (chunk, error) {
	d.buf.Reset()
	d.fw.Reset(&d.buf)
	cw := &crcWriter{w: d.fw}
	if err := write(cw); err != nil {
		return chunk{}, err
	}
	if err := d.fw.Flush(); err != nil {
		return chunk{}, err
	}
	return chunk{deflated: bytes.Clone(d.buf.Bytes()), crc: cw.crc, size: cw.n}, nil
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

// gzipSize is the length of the gzip member writeGzip writes.
func gzipSize(chunks []chunk) int {
	n := len(gzipHeader) + len(finalBlock) + 8
	for _, c := range chunks {
		n += len(c.deflated)
	}
	return n
}

// writeGzip writes chunks as one gzip member.
func writeGzip(w io.Writer, chunks []chunk) error {
	if _, err := w.Write(gzipHeader); err != nil {
		return err
	}
	var crc uint32
	var size int
	for _, c := range chunks {
		if _, err := w.Write(c.deflated); err != nil {
			return err
		}
		crc = crc32Combine(crc, c.crc, c.size)
		size += c.size
	}
	trailer := make([]byte, 0, len(finalBlock)+8)
	trailer = append(trailer, finalBlock...)
	trailer = binary.LittleEndian.AppendUint32(trailer, crc)
	trailer = binary.LittleEndian.AppendUint32(trailer, uint32(size)) // ISIZE is the length mod 2^32
	_, err := w.Write(trailer)
	return err
}

// writePlain writes the text of chunks, for a scraper that takes no gzip.
func writePlain(w io.Writer, chunks []chunk) error {
	if len(chunks) == 0 {
		return nil
	}
	readers := make([]io.Reader, 0, len(chunks)+1)
	for _, c := range chunks {
		readers = append(readers, bytes.NewReader(c.deflated))
	}
	fr := flate.NewReader(io.MultiReader(append(readers, bytes.NewReader(finalBlock))...))
	defer fr.Close()
	_, err := io.Copy(w, fr)
	return err
}

// crc32Combine returns the CRC-32 of a text a followed by a text b, given
// the CRC of each and the length of b: zlib's crc32_combine. Appending
// lenB zero bits to a multiplies its CRC by x^lenB over GF(2); the operator
// for 2^k zero bits is the square of the one for 2^(k-1).
func crc32Combine(crcA, crcB uint32, lenB int) uint32 {
	if lenB <= 0 {
		return crcA
	}
	var even, odd [32]uint32
	odd[0] = crc32.IEEE // the operator for one zero bit
	row := uint32(1)
	for n := 1; n < 32; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2Square(&even, &odd) // two zero bits
	gf2Square(&odd, &even) // four zero bits
	for n := uint64(lenB); n != 0; {
		gf2Square(&even, &odd) // first pass: one zero byte
		if n&1 != 0 {
			crcA = gf2Times(&even, crcA)
		}
		if n >>= 1; n == 0 {
			break
		}
		gf2Square(&odd, &even)
		if n&1 != 0 {
			crcA = gf2Times(&odd, crcA)
		}
		n >>= 1
	}
	return crcA ^ crcB
}

func gf2Times(mat *[32]uint32, vec uint32) uint32 {
	var sum uint32
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(square, mat *[32]uint32) {
	for n := range mat {
		square[n] = gf2Times(mat, mat[n])
	}
}
