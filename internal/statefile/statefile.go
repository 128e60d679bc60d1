// Package statefile is the state file of one target: what the exporter
// knows of its images and rows, kept on disk so a restart serves it at
// once and lists again only what changed or is due, instead of spending
// hours of a small API budget on listing everything anew. It defines the
// file's format (its own types, disk.go), writes it atomically and reads
// it within bounded memory (read.go); what the file means to a target is
// the collector's.
package statefile

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient"
)

const (
	// Format names the file's kind, in its head.
	Format = "hss_exporter/target-state"
	// Version 2 writes the file's own types (disk.go); version 1 wrote the
	// API's wire structs under the same keys, and is read alike.
	Version = 2
)

// Target is one target's state file. It holds no credential and no start
// command (rows never have one).
type Target struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	Target  string `json:"target"`
	// Config fingerprints what decides the images and their rows; a file
	// written under another is foreign.
	Config           string    `json:"config"`
	WrittenAt        time.Time `json:"written_at"`
	LastGood         time.Time `json:"last_good"`
	Discovered       bool      `json:"discovered"`
	FirstSweep       time.Time `json:"first_sweep,omitzero"`
	ImagesOwned      int       `json:"images_owned"`
	ImagesDiscovered int       `json:"images_covered"`
	Budget           *Budget   `json:"budget,omitempty"`
	Images           []Image   `json:"-"` // written last, one at a time, as diskImage
}

// Image is one image: what discovery said, its query, and its rows with
// when they were listed, in the client's types; diskImage is how the file
// holds it.
type Image struct {
	Name, Version, Digest string
	Info                  *hssclient.LocalImage
	// InfoContainerNumUnknown keeps what LocalImage does not marshal:
	// container_num null is unknown, not zero.
	InfoContainerNumUnknown bool
	Query                   hssclient.ListContainersRequest
	Call, Listed            bool
	ListedAt                time.Time
	ListedNum               int64
	ListedQuery             hssclient.ListContainersRequest
	Rows                    []hssclient.Container
}

// Path is the state file of target in dir: <dir>/<target>.state.json.gz.
func Path(dir, target string) string {
	return filepath.Join(dir, target+".state.json.gz")
}

// Write writes s to path atomically (a temporary file, fsync, rename,
// fsync of the directory), the images one at a time so a large fleet is
// never held encoded whole.
func Write(path string, s *Target) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // gone after the rename; left behind after a failure
	zw, _ := gzip.NewWriterLevel(tmp, gzip.BestSpeed)
	err = errors.Join(encode(zw, s), zw.Close(), tmp.Sync(), tmp.Close())
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil { // the rename itself survives a crash
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// encode writes the head of s, then its images one by one.
func encode(w io.Writer, s *Target) error {
	head := *s
	head.Images = nil
	b, err := json.Marshal(head)
	if err != nil {
		return err
	}
	if _, err := w.Write(append(b[:len(b)-1], `,"images":[`...)); err != nil {
		return err
	}
	enc := json.NewEncoder(w) // its buffer is pooled: no copy of each image
	for i := range s.Images {
		if i > 0 {
			if _, err := io.WriteString(w, ","); err != nil {
				return err
			}
		}
		if err := enc.Encode(s.Images[i].toDisk()); err != nil {
			return err
		}
	}
	_, err = io.WriteString(w, "]}\n")
	return err
}
