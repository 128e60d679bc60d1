package auth

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/hss-exporter/hss_exporter/internal/secretfile"
)

// Credential is one part of a credential (access key, secret key, security
// token, password) that an operator may rotate by replacing a file.
type Credential struct {
	// Value is the value known when the authenticator is built (the config
	// loader has read the file once already); it is used until File gives
	// another, and kept whenever File cannot be read.
	Value string
	// File, when set, is read again whenever it changes: a trailing newline
	// is dropped, and an empty or unreadable file keeps the previous value.
	File string
}

func (c Credential) String() string {
	return fmt.Sprintf("Credential{Value: %s, File: %q}", setOrUnset(c.Value), c.File)
}

// Format prints String for every verb, so the value never shows.
func (c Credential) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// DefaultCheckInterval is how often, at most, credential files are looked
// at: one stat each, cheap enough for every refresh and soon enough after a
// rotation (Kubernetes itself takes up to a minute to update a Secret).
const DefaultCheckInterval = 5 * time.Second

// RotationOptions tunes how credential files are watched.
type RotationOptions struct {
	// CheckInterval is the least time between two looks at the files;
	// default DefaultCheckInterval. A refused request looks at once.
	CheckInterval time.Duration
	// OnReload, when set, hears of each change: nil once new values are in
	// use, or why they are not (the previous ones stay). The error names
	// the file and never holds its content. A failure is told once, until
	// it changes or the files are read successfully.
	OnReload func(err error)
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// secretSet holds credentials read together: a change to any of the files
// re-reads them all and replaces them all at once, so an access key and its
// secret key from the same Secret volume never mix generations.
type secretSet struct {
	creds []Credential
	opt   RotationOptions
	files bool // any file to watch

	mu       sync.Mutex
	vals     []string
	stamps   []os.FileInfo // of the files as last read; nil entry = unknown
	checked  time.Time
	reported string // the failure last told to OnReload
}

func newSecretSet(opt RotationOptions, creds ...Credential) *secretSet {
	if opt.CheckInterval <= 0 {
		opt.CheckInterval = DefaultCheckInterval
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	s := &secretSet{creds: creds, opt: opt, vals: make([]string, len(creds)), stamps: make([]os.FileInfo, len(creds))}
	for i, c := range creds {
		s.vals[i] = c.Value
		s.files = s.files || c.File != ""
	}
	return s
}

// get returns the current values, looking at the files first when the
// check interval has passed, or at once when force is set. changed reports
// that this call replaced the values.
func (s *secretSet) get(force bool) (vals []string, changed bool) {
	s.mu.Lock()
	var report func(error)
	var err error
	if s.files {
		now := s.opt.Now()
		if force || s.checked.IsZero() || now.Sub(s.checked) >= s.opt.CheckInterval {
			s.checked = now
			changed, err = s.check()
			if s.opt.OnReload != nil && (changed || (err != nil && err.Error() != s.reported)) {
				report = s.opt.OnReload
			}
			if err != nil {
				s.reported = err.Error()
			} else if changed {
				s.reported = ""
			}
		}
	}
	vals = append([]string(nil), s.vals...)
	s.mu.Unlock()
	if report != nil {
		report(err) // outside the lock: a slow logger must not hold up signing
	}
	return vals, changed
}

// check re-reads the files when any of them changed. s.mu is held.
func (s *secretSet) check() (changed bool, err error) {
	if s.onDisk(s.stamps) {
		return false, nil
	}
	vals, stamps, err := s.readConsistent()
	if err != nil {
		return false, err // stamps kept: tried again at the next check
	}
	s.stamps = stamps
	for i := range vals {
		if vals[i] != s.vals[i] {
			changed = true
		}
	}
	s.vals = vals
	return changed, nil
}

// onDisk reports whether every file is still the one stamps describe: not
// another file (a new inode, as a Kubernetes ..data swap or a rename
// gives), nor a new size or modification time. Following symlinks, a
// Secret volume's indirection is seen through.
func (s *secretSet) onDisk(stamps []os.FileInfo) bool {
	for i, c := range s.creds {
		if c.File == "" {
			continue
		}
		fi, err := os.Stat(c.File)
		if err != nil || !sameFile(stamps[i], fi) {
			return false
		}
	}
	return true
}

func sameFile(a, b os.FileInfo) bool {
	return a != nil && b != nil && os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// readConsistent reads every file, and again if any changed while it read,
// so a pair swapped between two reads is not taken half old, half new.
func (s *secretSet) readConsistent() ([]string, []os.FileInfo, error) {
	for attempt := 0; ; attempt++ {
		vals := make([]string, len(s.creds))
		stamps := make([]os.FileInfo, len(s.creds))
		for i, c := range s.creds {
			if c.File == "" {
				vals[i] = s.vals[i]
				continue
			}
			v, fi, err := secretfile.Read(c.File)
			if err != nil {
				return nil, nil, fmt.Errorf("credential file %q changed but cannot be used, keeping the previous credentials: %w", c.File, err)
			}
			vals[i], stamps[i] = v, fi
		}
		if s.onDisk(stamps) {
			return vals, stamps, nil
		}
		if attempt == 2 {
			return nil, nil, errors.New("credential files kept changing while being read; keeping the previous credentials")
		}
	}
}
