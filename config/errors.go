package config

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a configuration file, located at the YAML line
// and column of the offending value (or of the enclosing block when a
// required key is missing). Messages never contain a secret value.
type Error struct {
	File   string // the path given to Load; empty for Parse
	Line   int    // 1-based; 0 when the problem has no place in the file
	Column int    // 1-based; 0 when unknown
	Path   string // the key path, e.g. targets[0].page_size
	Msg    string
}

// Error formats the problem as file:line:column: path: message, the
// shape editors and CI log viewers turn into a link.
func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.File != "":
		b.WriteString(e.File)
	case e.Line > 0:
		b.WriteString("line ")
	}
	if e.Line > 0 {
		if e.File != "" {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one configuration file. Parse and
// Load report all of them at once so `--config.check` can print the whole
// list instead of making the operator fix one line per run.
type Errors struct {
	List []*Error
}

// Error lists the problems one per line, in file order.
func (e *Errors) Error() string {
	lines := make([]string, len(e.List))
	for i, err := range e.List {
		lines[i] = err.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap exposes each problem to errors.As.
func (e *Errors) Unwrap() []error {
	errs := make([]error, len(e.List))
	for i, err := range e.List {
		errs[i] = err
	}
	return errs
}

// add records a problem; a nil node puts it at line 0.
func (e *Errors) add(file string, line, col int, path, format string, args ...any) {
	e.List = append(e.List, &Error{
		File: file, Line: line, Column: col, Path: path,
		Msg: fmt.Sprintf(format, args...),
	})
}

// sort orders the problems by position, so cross-field checks made after
// decoding still print in file order.
func (e *Errors) sort() {
	sort.SliceStable(e.List, func(i, j int) bool {
		a, b := e.List[i], e.List[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
}

// quote shows a user-written (never secret) value in a message, cut short
// so a pasted blob does not flood the terminal.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		s = s[:max] + "..."
	}
	return fmt.Sprintf("%q", s)
}
