package exposition

import (
	"cmp"
	"compress/flate"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Family is one gauge family: its name, help and labels, and the Desc
// built from them. The encoder writes its samples itself, so it keeps
// what a Desc does not expose.
type Family struct {
	Name   string
	Help   string
	Labels []string
	Desc   *prometheus.Desc
	// byName lists the label indexes in the order of their names, the
	// order client_golang writes labels in.
	byName []int
	// compact: the family is most of the bytes every scrape copies, in few
	// units, so its chunks are compressed at the default level.
	compact bool
	index   int // in its Table
}

// NewFamily returns the gauge family name with help and labels.
func NewFamily(name, help string, labels []string) *Family {
	f := &Family{Name: name, Help: help, Labels: labels}
	f.Desc = prometheus.NewDesc(f.Name, f.Help, labels, nil)
	for i := range labels {
		f.byName = append(f.byName, i)
	}
	slices.SortFunc(f.byName, func(a, b int) int { return strings.Compare(labels[a], labels[b]) })
	return f
}

// Compact marks f as one whose lines are most of the page, in few units:
// there the default level's smaller output wins over the fastest level's
// speed. It returns f.
func (f *Family) Compact() *Family {
	f.compact = true
	return f
}

// Table is every family an encoder writes, indexed in the order given.
type Table struct {
	families []*Family
	sorted   []*Family
	comments func() []Chunk
}

// NewTable indexes fs. A family belongs to one table.
func NewTable(fs ...*Family) *Table {
	for i, f := range fs {
		f.index = i
	}
	t := &Table{families: fs, sorted: slices.Clone(fs)}
	slices.SortFunc(t.sorted, func(a, b *Family) int { return cmp.Compare(a.Name, b.Name) })
	t.comments = sync.OnceValue(t.commentChunks)
	return t
}

// Families are the table's families in the order of their indexes.
func (t *Table) Families() []*Family { return t.families }

// Sorted are the table's families by name, the order a registry would
// gather them in.
func (t *Table) Sorted() []*Family { return t.sorted }

// Comments hold each family's HELP and TYPE lines, the same for every
// source and format, compressed once; by family index.
func (t *Table) Comments() []Chunk { return t.comments() }

// Comment is the HELP and TYPE chunk of f.
func (t *Table) Comment(f *Family) Chunk { return t.comments()[f.index] }

func (t *Table) commentChunks() []Chunk {
	d := NewDeflater(flate.DefaultCompression)
	out := make([]Chunk, len(t.families))
	for _, f := range t.families {
		out[f.index], _ = d.Chunk(func(w io.Writer) error {
			// HELP texts hold no backslash, quote or newline (a test checks),
			// so both formats read them unescaped.
			_, err := io.WriteString(w, "# HELP "+f.Name+" "+f.Help+"\n# TYPE "+f.Name+" gauge\n")
			return err
		})
	}
	return out
}

// Index is f's place in its Table.
func (f *Family) Index() int { return f.index }
