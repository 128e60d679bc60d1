package statefile

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/internal/boundedfile"
)

// Reading a state file within bounded memory. The file is streamed from
// disk through gzip into a JSON decoder, one value at a time: a field of
// the head, an image's fields, one row. Nothing holds the whole inflated
// document, and the caller builds its inventory as the images arrive, so
// the decoded file and the built inventory are never both in memory.
const (
	// maxStateFile bounds the compressed file: at ~105 bytes a container,
	// 256 MiB is a fleet of over two million containers.
	maxStateFile = 256 << 20
	// stateInflateRatio and stateInflateSlack bound what a file may
	// inflate to: a multiple of the compressed bytes read so far. The files
	// this exporter writes inflate about 3 times, evenly (a row's random
	// IDs do not compress; a row of only repeated values still carries its
	// 64-hex container ID, which caps its ratio near 6), so 16 times is
	// generous for any real fleet, while a gzip bomb (hundreds of times)
	// is cut off after its first MiB inflated, at once, whatever its size.
	stateInflateRatio = 16
	stateInflateSlack = 1 << 20
	// maxStateValue bounds any one value read at once (a field of the
	// head, an image without its rows, one row). A row holds ten label
	// values cut to 1024 bytes each (6 KiB escaped at worst); an image's
	// raw name, version and digest, twice with its queries, are far
	// below 1 MiB. One long string is refused after 1 MiB, not after
	// inflating and buffering all of it.
	maxStateValue = 1 << 20
)

// errStateTooLarge and errStateValueTooLong are the bounds' failures.
var (
	errStateTooLarge     = fmt.Errorf("inflates to more than %d times its size, which no state file does", stateInflateRatio)
	errStateValueTooLong = fmt.Errorf("holds a value longer than %s, which no state file has",
		boundedfile.Size(maxStateValue))
)

// headRefused carries what the restorer's head refused (another target,
// a newer version, ...), said as it is rather than as damage.
type headRefused struct{ err error }

func (h headRefused) Error() string { return h.err.Error() }

// Restorer takes a state file as it is decoded: Head once the head's
// fields are read (before the first image; the writer puts the images
// last), Image for each image, whose rows Row has already taken one by
// one as they were decoded.
type Restorer struct {
	Head  func(*Target) error
	Image func(Image) error
	Row   func(hssclient.Container) hssclient.Container
}

// Read reads the state file at path, a bounded regular file, into r, and
// returns its head.
func Read(path string, r Restorer) (*Target, error) {
	f, _, err := boundedfile.Open(path, maxStateFile)
	if err != nil {
		return nil, fmt.Errorf("reading: %w", err)
	}
	defer f.Close()
	packed := &countingReader{r: io.LimitReader(f, maxStateFile)}
	zr, err := gzip.NewReader(bufio.NewReader(packed))
	if err != nil {
		return nil, fmt.Errorf("not a gzip file: %w", err)
	}
	in := &boundedInput{r: zr, packed: packed}
	d := &stateDecoder{dec: json.NewDecoder(in), in: in}
	s, err := d.target(r)
	if err == nil {
		_, err = io.Copy(io.Discard, in) // the gzip trailer's checksum
	}
	var refused headRefused
	switch {
	case errors.As(err, &refused):
		return nil, refused.err
	case errors.Is(err, errStateTooLarge), errors.Is(err, errStateValueTooLong):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("damaged or cut short: %w", err)
	}
	return s, nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// boundedInput fails once it inflated more than stateInflateRatio times
// the packed bytes read, or once the value being decoded, from start, is
// longer than maxStateValue.
type boundedInput struct {
	r      io.Reader
	packed *countingReader
	read   int64
	start  int64
}

func (b *boundedInput) Read(p []byte) (int, error) {
	limit := stateInflateRatio*b.packed.n + stateInflateSlack
	switch {
	case b.read >= limit:
		return 0, errStateTooLarge
	case b.read-b.start >= maxStateValue: // the decoder reads only to finish the value it is on
		return 0, errStateValueTooLong
	}
	p = p[:min(int64(len(p)), limit-b.read, maxStateValue-(b.read-b.start))]
	n, err := b.r.Read(p)
	b.read += int64(n)
	return n, err
}

// stateDecoder decodes the document Write writes, value by value,
// each within maxStateValue.
type stateDecoder struct {
	dec *json.Decoder
	in  *boundedInput
}

func (d *stateDecoder) token() (json.Token, error) {
	d.in.start = d.dec.InputOffset()
	return d.dec.Token()
}

func (d *stateDecoder) decode(v any) error {
	d.in.start = d.dec.InputOffset()
	return d.dec.Decode(v)
}

// object reads a JSON object, giving each key to field, which reads its
// value.
func (d *stateDecoder) object(what string, field func(key string) error) error {
	if tok, err := d.token(); err != nil || tok != json.Delim('{') {
		return errors.Join(fmt.Errorf("%s is not a JSON object", what), err)
	}
	for d.dec.More() {
		tok, err := d.token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if err := field(key); err != nil {
			return err
		}
	}
	_, err := d.token()
	return err
}

// list reads a JSON list, each element by elem.
func (d *stateDecoder) list(what string, elem func() error) error {
	if tok, err := d.token(); err != nil || tok != json.Delim('[') {
		return errors.Join(fmt.Errorf("%s is not a list", what), err)
	}
	for d.dec.More() {
		if err := elem(); err != nil {
			return err
		}
	}
	_, err := d.token()
	return err
}

// field decodes the value of key into the struct v, as json.Unmarshal
// of the whole object would: a field this version does not know is
// skipped, so the head stays open to what other parts keep in it.
func (d *stateDecoder) field(v any, key string) error {
	var raw json.RawMessage
	if err := d.decode(&raw); err != nil {
		return err
	}
	b, err := json.Marshal(map[string]json.RawMessage{key: raw})
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// target reads the document: the head's fields, then "images" one by one.
// The head is checked before the first image is taken, so nothing is
// built of a foreign file; Write puts the images last.
func (d *stateDecoder) target(r Restorer) (*Target, error) {
	var s Target
	images := false
	err := d.object("the state", func(key string) error {
		switch {
		case images:
			return fmt.Errorf("a field after the images")
		case key != "images":
			return d.field(&s, key)
		}
		if err := r.Head(&s); err != nil {
			return headRefused{err}
		}
		images = true
		return d.list("images", func() error {
			img, err := d.image(r.Row)
			if err != nil {
				return err
			}
			return r.Image(img)
		})
	})
	if err != nil {
		return nil, err
	}
	if !images {
		if err := r.Head(&s); err != nil {
			return nil, headRefused{err}
		}
	}
	return &s, nil
}

// image reads one image, its rows one at a time through row.
func (d *stateDecoder) image(row func(hssclient.Container) hssclient.Container) (Image, error) {
	var disk diskImage
	var rows []hssclient.Container
	err := d.object("an image", func(key string) error {
		if key != "rows" {
			return d.field(&disk, key)
		}
		return d.list("rows", func() error {
			var r diskRow
			if err := d.decode(&r); err != nil {
				return err
			}
			rows = append(rows, row(r.container()))
			return nil
		})
	})
	img := disk.saved()
	img.Rows = rows
	return img, err
}
