package hssclient

import "sync"

// perIdentity hands out one shared state per identity (an access key, an
// IAM user, an agency, an identity provider): the gateway counts calls,
// and locks refused credentials, per identity, so every target that calls
// HSS as the same identity must share what is known about it. A later
// caller's setting is merged into the shared state, the stricter one
// holding. Safe for concurrent use.
type perIdentity[State, Setting any] struct {
	mu     sync.Mutex
	by     map[string]*State
	create func(Setting) *State
	// stricter merges a later caller's setting into the state it shares.
	stricter func(*State, Setting)
}

func newPerIdentity[State, Setting any](create func(Setting) *State, stricter func(*State, Setting)) perIdentity[State, Setting] {
	return perIdentity[State, Setting]{by: map[string]*State{}, create: create, stricter: stricter}
}

// forIdentity returns the state of identity, made with setting on first
// use, else shared and merged with setting.
func (p *perIdentity[State, Setting]) forIdentity(identity string, setting Setting) *State {
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

// lookup returns the state of identity, if it has one.
func (p *perIdentity[State, Setting]) lookup(identity string) (*State, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.by[identity]
	return s, ok
}
