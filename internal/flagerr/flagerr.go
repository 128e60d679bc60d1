// Package flagerr is the error of a flag value the exporter refuses after
// kingpin parsed it (out of range, a path it cannot use). It stays typed up
// to main, which knows whether the value came from the command line or
// from the flag's HSS_EXPORTER_* environment variable, and names it the way
// the user gave it: an operator who set a variable in a manifest looks for
// that variable, not for a flag nobody passed.
package flagerr

import "fmt"

// Error is a refused flag value.
type Error struct {
	// Flag is the flag's name without the leading "--".
	Flag string
	// Value is the value as the message shows it; empty, the message
	// names the flag alone.
	Value string
	// Err says what is wrong with the value.
	Err error
	// Envar, when set, is the environment variable the value came from.
	Envar string
}

// New returns the error of flag's value, and why it is refused.
func New(flag string, value any, format string, args ...any) *Error {
	return &Error{Flag: flag, Value: fmt.Sprint(value), Err: fmt.Errorf(format, args...)}
}

// Error reads "--flag=value: why", or "$VARIABLE=value: why" when the
// value came from the environment.
func (e *Error) Error() string {
	name := "--" + e.Flag
	if e.Envar != "" {
		name = "$" + e.Envar
	}
	if e.Value == "" {
		return fmt.Sprintf("%s: %v", name, e.Err)
	}
	return fmt.Sprintf("%s=%s: %v", name, e.Value, e.Err)
}

// Unwrap returns why the value is refused.
func (e *Error) Unwrap() error { return e.Err }
