package config

// Posture selects what a target reads besides the image inventory: the
// container nodes with their HSS agent and protection state
// (ListContainerNodes), the unhandled security events by severity
// (ShowEventSeverity) and the protection quotas (ShowResourceQuotas).
// Load turns every part on unless the file turns it off; a Posture built
// by hand (its zero value) reads nothing.
type Posture struct {
	Nodes  bool `yaml:"nodes"`
	Events bool `yaml:"events"`
	Quotas bool `yaml:"quotas"`
	// EventsLastDays is the window of the event counts, in days.
	EventsLastDays int `yaml:"events_last_days"`
}

// Defaults and limits of the posture block. last_days is documented as
// 1..30 for the event store ShowEventSeverity counts (ListSecurityEvents
// takes the same parameter with that range); HSS refuses other values.
const (
	DefaultEventsLastDays = 7
	MinEventsLastDays     = 1
	MaxEventsLastDays     = 30
)

func postureFields(p *Posture) []field {
	return []field{
		boolField("nodes", &p.Nodes),
		boolField("events", &p.Events),
		boolField("quotas", &p.Quotas),
		intField("events_last_days", &p.EventsLastDays),
	}
}

// posture checks a target's posture block and fills in what it leaves
// out: every part on, and the default window.
func (v *validator) posture(p *Posture, path string) {
	prefix := path + ".posture."
	for _, part := range []struct {
		key string
		dst *bool
	}{{"nodes", &p.Nodes}, {"events", &p.Events}, {"quotas", &p.Quotas}} {
		if !v.set(prefix+part.key) && !v.bad[prefix+part.key] {
			*part.dst = true
		}
	}
	days := prefix + "events_last_days"
	switch {
	case v.set(days) && (p.EventsLastDays < MinEventsLastDays || p.EventsLastDays > MaxEventsLastDays):
		v.errorf(v.at[days], days, "%d is out of range %d..%d (days of security events HSS counts)",
			p.EventsLastDays, MinEventsLastDays, MaxEventsLastDays)
	case !v.set(days):
		p.EventsLastDays = DefaultEventsLastDays
	}
}
