package exposition

import (
	"bytes"
	"compress/flate"
	"io"
	"math"
	"strconv"
)

// Sample lines are written once for both exposition formats: for gauges
// the text format and OpenMetrics differ only in how they spell a value,
// and OpenMetrics reads "1" as well as "1.0". The comment lines (HELP,
// TYPE) of a gauge are the same in both too.

// LineEncoder writes sample lines into a buffer per family and compresses
// each into a chunk. It reuses its buffers and compressors.
type LineEncoder struct {
	table         *Table
	bufs          []bytes.Buffer // by family index
	fast, compact *Deflater
}

// Compression levels of cached units. Most units are small and encoded
// again as their source changes: at the fastest level a compressor starts
// a unit without clearing its tables (the default level clears 640 KB
// each time). A family marked Compact is most of the bytes every scrape
// copies, in few units: there the default level's smaller output wins.
const (
	fastLevel    = flate.BestSpeed
	compactLevel = flate.DefaultCompression
)

// NewLineEncoder returns an encoder of the families of table.
func NewLineEncoder(table *Table) *LineEncoder {
	return &LineEncoder{table: table, bufs: make([]bytes.Buffer, len(table.families)),
		fast: NewDeflater(fastLevel), compact: NewDeflater(compactLevel)}
}

// Emitter writes each series as a sample line of its family.
func (l *LineEncoder) Emitter() Emitter {
	return func(f *Family, v float64, labels []string) {
		writeSample(&l.bufs[f.index], f, v, labels)
	}
}

// Chunks compresses every family's lines and empties the buffers; by
// family index, size 0 for a family without lines.
func (l *LineEncoder) Chunks() []Chunk {
	out := make([]Chunk, len(l.bufs))
	for i := range l.bufs {
		b := &l.bufs[i]
		if b.Len() == 0 {
			continue
		}
		d := l.fast
		if l.table.families[i].compact {
			d = l.compact
		}
		out[i], _ = d.Chunk(func(w io.Writer) error { // writes to memory cannot fail
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
func writeSample(b *bytes.Buffer, f *Family, v float64, labels []string) {
	b.WriteString(f.Name)
	for n, i := range f.byName {
		if n == 0 {
			b.WriteByte('{')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(f.Labels[i])
		b.WriteString(`="`)
		writeEscaped(b, labels[i])
		b.WriteByte('"')
	}
	if len(f.Labels) > 0 {
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
