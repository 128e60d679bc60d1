package collector

import (
	"bytes"
	"cmp"
	"compress/flate"
	"io"
	"math"
	"slices"
	"strconv"
	"sync"
)

// Sample lines are written once for both exposition formats: for gauges
// the text format and OpenMetrics differ only in how they spell a value,
// and OpenMetrics reads "1" as well as "1.0". The comment lines (HELP,
// TYPE) of a gauge are the same in both too.

// sortedFamilies are the inventory families by name, the order a
// registry would gather them in.
var sortedFamilies = func() []*family {
	out := slices.Clone(families)
	slices.SortFunc(out, func(a, b *family) int { return cmp.Compare(a.name, b.name) })
	return out
}()

// lineEncoder writes sample lines into a buffer per family and compresses
// each into a chunk. It reuses its buffers and compressors.
type lineEncoder struct {
	bufs          []bytes.Buffer // by family index
	fast, compact *deflater
}

// Compression levels of the cached inventory. Most units are small and
// encoded again as listings land: at the fastest level a compressor
// starts a unit without clearing its tables (the default level clears
// 640 KB each time). container_info is most of the bytes every scrape
// copies, in few units: there the default level's smaller output wins.
const (
	fastLevel    = flate.BestSpeed
	compactLevel = flate.DefaultCompression
)

func newLineEncoder() *lineEncoder {
	return &lineEncoder{bufs: make([]bytes.Buffer, len(families)),
		fast: newDeflater(fastLevel), compact: newDeflater(compactLevel)}
}

// emitter writes each series as a sample line of its family.
func (l *lineEncoder) emitter() emitter {
	return func(f *family, v float64, labels []string) {
		writeSample(&l.bufs[f.index], f, v, labels)
	}
}

// chunks compresses every family's lines and empties the buffers.
func (l *lineEncoder) chunks() []chunk {
	out := make([]chunk, len(families))
	for i := range l.bufs {
		b := &l.bufs[i]
		if b.Len() == 0 {
			continue
		}
		d := l.fast
		if i == containerInfo.index {
			d = l.compact
		}
		out[i], _ = d.chunk(func(w io.Writer) error { // writes to memory cannot fail
			_, err := w.Write(b.Bytes())
			return err
		})
		b.Reset()
	}
	return out
}

// writeSample writes one sample line as the exposition formats spell it:
// name{label="value",...} value, labels sorted by name. Values are escaped
// as both formats require: backslash, double quote and newline.
func writeSample(b *bytes.Buffer, f *family, v float64, labels []string) {
	b.WriteString(f.name)
	for n, i := range f.byName {
		if n == 0 {
			b.WriteByte('{')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(f.labels[i])
		b.WriteString(`="`)
		writeEscaped(b, labels[i])
		b.WriteByte('"')
	}
	if len(f.labels) > 0 {
		b.WriteByte('}')
	}
	b.WriteByte(' ')
	var num [32]byte
	b.Write(formatValue(num[:0], v))
	b.WriteByte('\n')
}

func writeEscaped(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteByte(c)
		}
	}
}

// formatValue spells v as the text format does ("1", "1.7e+09", "NaN",
// "+Inf"); OpenMetrics reads the same spelling.
func formatValue(dst []byte, v float64) []byte {
	if math.IsInf(v, 1) {
		return append(dst, "+Inf"...)
	}
	return strconv.AppendFloat(dst, v, 'g', -1, 64)
}

// commentChunks hold each family's HELP and TYPE lines, the same for
// every target and format, compressed once.
var commentChunks = sync.OnceValue(func() []chunk {
	d := newDeflater(compactLevel)
	out := make([]chunk, len(families))
	for _, f := range families {
		out[f.index], _ = d.chunk(func(w io.Writer) error {
			// HELP texts hold no backslash, quote or newline (a test checks),
			// so both formats read them unescaped.
			_, err := io.WriteString(w, "# HELP "+f.name+" "+f.help+"\n# TYPE "+f.name+" gauge\n")
			return err
		})
	}
	return out
})
