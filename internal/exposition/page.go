package exposition

// Page gathers the encoded families of several owners (targets, say) into
// the cached part of one scrape's page. It is built per scrape from
// immutable encodings, so a scrape takes no lock.
type Page struct {
	table    *Table
	byFamily [][]Segment // by family index
	n        int
}

// NewPage returns an empty page of the families of t.
func (t *Table) NewPage() *Page {
	return &Page{table: t, byFamily: make([][]Segment, len(t.families))}
}

// Add appends the samples of ef after those added before.
func (p *Page) Add(ef *EncodedFamily) {
	i := ef.Family.index
	p.byFamily[i] = append(p.byFamily[i], ef.Samples)
	p.n++
}

// Segments lists the page: for each family with samples, sorted by name,
// its HELP and TYPE once and then its samples in the order added.
func (p *Page) Segments() []Segment {
	comments := p.table.Comments()
	out := make([]Segment, 0, len(p.byFamily)+p.n+1) // +1: room for the live part
	for _, f := range p.table.sorted {
		if samples := p.byFamily[f.index]; len(samples) > 0 {
			out = append(out, NewSegment(comments[f.index]))
			out = append(out, samples...)
		}
	}
	return out
}
