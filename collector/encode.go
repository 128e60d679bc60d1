package collector

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// format is an exposition format the inventory is encoded in.
type format int

const (
	formatText        format = iota // text/plain; version=0.0.4
	formatOpenMetrics               // application/openmetrics-text
	numFormats
)

// familyEncoders write one family in each format. OpenMetrics 0.0.1 and
// 1.0.0 share an encoding.
var familyEncoders = [numFormats]func(io.Writer, *dto.MetricFamily) (int, error){
	formatText: expfmt.MetricFamilyToText,
	formatOpenMetrics: func(w io.Writer, mf *dto.MetricFamily) (int, error) {
		return expfmt.MetricFamilyToOpenMetrics(w, mf)
	},
}

// encodeLevel is the compression level of the cached inventory. The
// default level costs a little more once per refresh than the fastest, and
// makes every scrape's copy smaller.
const encodeLevel = flate.DefaultCompression

// family is one inventory family of one snapshot, encoded in each format:
// its comment lines (HELP, TYPE) and its samples, each a compressed chunk.
// They are kept apart so the families of several targets merge into a
// valid exposition, each family's comments once and its samples together.
type family struct {
	name     string
	comments [numFormats]chunk
	samples  [numFormats]chunk
}

// inventory is a collector over one snapshot's inventory series, for the
// private registry a refresh gathers them with.
type inventory struct {
	s       *snapshot
	dropped int
}

func (c *inventory) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range inventoryDescs {
		ch <- d
	}
}

func (c *inventory) Collect(ch chan<- prometheus.Metric) {
	c.dropped = c.s.collect(func(m prometheus.Metric) { ch <- m })
}

// encode gathers the snapshot's inventory once, through a private
// registry (so the series are checked and sorted as on any scrape), and
// keeps each family encoded and compressed. A gather error (a series the
// registry refused) is returned after the rest was encoded.
func (s *snapshot) encode() error {
	reg := prometheus.NewRegistry()
	inv := &inventory{s: s}
	if err := reg.Register(inv); err != nil {
		return err
	}
	mfs, gatherErr := reg.Gather()
	s.duplicates = inv.dropped
	s.families = make([]family, len(mfs))
	for i, mf := range mfs {
		s.families[i].name = mf.GetName()
	}
	// The formats are encoded side by side; each fills its own fields.
	var errs [numFormats + 1]error
	var wg sync.WaitGroup
	for f := range numFormats {
		wg.Go(func() {
			enc := newEncoder()
			for i, mf := range mfs {
				if errs[f] = enc.family(f, mf, &s.families[i]); errs[f] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	errs[numFormats] = gatherErr
	return errors.Join(errs[:]...)
}

// encoder compresses families, reusing one compressor.
type encoder struct{ d *deflater }

func newEncoder() *encoder { return &encoder{d: newDeflater(encodeLevel)} }

// family encodes mf in format f into fam.
func (c *encoder) family(f format, mf *dto.MetricFamily, fam *family) error {
	// The comments come from the family cut to one sample, which is then
	// filtered out: the encoders refuse a family without samples.
	head := &dto.MetricFamily{Name: mf.Name, Help: mf.Help, Type: mf.Type, Unit: mf.Unit, Metric: mf.Metric[:1]}
	var err error
	if fam.comments[f], err = c.chunk(f, head, true); err != nil {
		return err
	}
	fam.samples[f], err = c.chunk(f, mf, false)
	return err
}

// chunk encodes mf in format f, keeps its comment lines or its sample
// lines only, and compresses them.
func (c *encoder) chunk(f format, mf *dto.MetricFamily, comments bool) (chunk, error) {
	return c.d.chunk(func(w io.Writer) error {
		_, err := familyEncoders[f](&lineFilter{w: w, comments: comments}, mf)
		return err
	})
}

// lineFilter passes on either the comment lines (starting with '#') or
// the other lines of what is written to it, however the writes split the
// lines. Sample lines never start with '#'.
type lineFilter struct {
	w        io.Writer
	comments bool // keep comment lines; else keep the others
	midLine  bool
	keep     bool // the current line is kept
}

func (f *lineFilter) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		if !f.midLine {
			f.keep = (p[0] == '#') == f.comments
			f.midLine = true
		}
		end := len(p)
		if i := bytes.IndexByte(p, '\n'); i >= 0 {
			end = i + 1
			f.midLine = false
		}
		if f.keep {
			if n, err := f.w.Write(p[:end]); err != nil {
				return total - len(p) + n, err
			}
		}
		p = p[end:]
	}
	return total, nil
}
