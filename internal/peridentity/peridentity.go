// Package peridentity hands out one shared state per identity (an access
// key, an IAM user, an agency, an identity provider): the gateway counts
// calls, and locks refused credentials, per identity, so every target that
// calls HSS as the same identity must share what is known about it. The
// client's call budgets and the credential backoffs both keep theirs here.
package peridentity

import "sync"

// Registry holds one State per identity. A later caller's setting is
// merged into the shared state, the stricter one holding. Safe for
// concurrent use.
type Registry[State, Setting any] struct {
	mu     sync.Mutex
	by     map[string]*State
	create func(Setting) *State
	// stricter merges a later caller's setting into the state it shares.
	stricter func(*State, Setting)
}

// New returns an empty registry: create makes the state of an identity on
// first use, stricter merges a later caller's setting into it.
func New[State, Setting any](create func(Setting) *State, stricter func(*State, Setting)) Registry[State, Setting] {
	return Registry[State, Setting]{by: map[string]*State{}, create: create, stricter: stricter}
}

// For returns the state of identity, made with setting on first use, else
// shared and merged with setting.
func (p *Registry[State, Setting]) For(identity string, setting Setting) *State {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.by[identity]; ok {
		p.stricter(s, setting)
		return s
	}
	s := p.create(setting)
	p.by[identity] = s
	return s
}

// Lookup returns the state of identity, if it has one.
func (p *Registry[State, Setting]) Lookup(identity string) (*State, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.by[identity]
	return s, ok
}
