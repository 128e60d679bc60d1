package hssfake

import (
	"math/rand"
	"time"
)

// Event categories and handling states of ShowEventSeverity.
const (
	CategoryHost       = "host"
	CategoryContainer  = "container"
	CategoryServerless = "serverless"

	EventUnhandled = "unhandled"
	EventHandled   = "handled"
)

// eventKind is an event type with its name and attack tag.
type eventKind struct {
	typ        int
	name, tag  string
	categories []string
}

var eventKinds = []eventKind{
	{1001, "Malware", "attack_success", []string{CategoryHost}},
	{4002, "Brute-force attack", "attack_attempt", []string{CategoryHost}},
	{4004, "Abnormal login", "abnormal_behavior", []string{CategoryHost}},
	{3015, "High-risk command execution", "abnormal_behavior", []string{CategoryHost, CategoryContainer}},
	{1017, "Reverse shell", "attack_success", []string{CategoryHost, CategoryContainer}},
	{3036, "Container image blocking", "attack_blocked", []string{CategoryContainer}},
	{13002, "Abnormal pod behavior", "abnormal_behavior", []string{CategoryContainer}},
	{3007, "Abnormal process behavior", "abnormal_behavior", []string{CategoryContainer, CategoryServerless}},
	{1016, "Mining", "attack_success", []string{CategoryServerless}},
}

// kindsByCategory indexes eventKinds by category.
var kindsByCategory = func() map[string][]eventKind {
	m := map[string][]eventKind{}
	for _, k := range eventKinds {
		for _, c := range k.categories {
			m[c] = append(m[c], k)
		}
	}
	return m
}()

// eventSeverities weights Low, Medium, High and Critical about 4:3:2:1.
var eventSeverities = []string{"Low", "Low", "Low", "Low", "Medium", "Medium", "Medium", "High", "High", "Critical"}

// eventMaxAge bounds generated ages: some events fall outside the widest
// last_days window (30), so windows make a difference.
const eventMaxAge = 40 * 24 * time.Hour

// genEvents makes 0 to 2 host events per node with an agent, about one
// container event per ten containers on such nodes, and a few serverless
// events; about 60% are unhandled.
func genEvents(rng *rand.Rand, nodes []Node, containers []Container) []Event {
	type hostContainers struct {
		n     int
		names []string // the first few, enough to name events by
	}
	perHost := map[string]*hostContainers{}
	for _, c := range containers {
		h := perHost[c.HostID]
		if h == nil {
			h = &hostContainers{}
			perHost[c.HostID] = h
		}
		h.n++
		if len(h.names) < 8 {
			h.names = append(h.names, c.Name)
		}
	}
	var events []Event
	for _, n := range nodes {
		if n.AgentStatus == AgentNotInstalled {
			continue
		}
		for range rng.Intn(3) {
			events = append(events, newEvent(rng, CategoryHost, n, ""))
		}
		h := perHost[n.HostID]
		if h == nil {
			continue
		}
		for range rng.Intn(h.n/10 + 1) {
			events = append(events, newEvent(rng, CategoryContainer, n, h.names[rng.Intn(len(h.names))]))
		}
	}
	for range 3 {
		events = append(events, newEvent(rng, CategoryServerless, Node{}, ""))
	}
	return events
}

// newEvent makes one event of category on node n.
func newEvent(rng *rand.Rand, category string, n Node, container string) Event {
	kinds := kindsByCategory[category]
	k := kinds[rng.Intn(len(kinds))]
	e := Event{Category: category, Severity: eventSeverities[rng.Intn(len(eventSeverities))],
		HandleStatus: EventHandled, EventType: k.typ, EventName: k.name, AttackTag: k.tag,
		AssetValue: "common", HostID: n.HostID, HostName: n.HostName, PrivateIP: n.PrivateIP,
		PublicIP: n.PublicIP, ContainerName: container, EnterpriseProjectID: n.EnterpriseProjectID}
	if rng.Intn(10) < 6 {
		e.HandleStatus = EventUnhandled
	}
	// Whole days plus one to 23 hours: never on a window's edge.
	days := time.Duration(rng.Int63n(int64(eventMaxAge / (24 * time.Hour))))
	e.Age = days*24*time.Hour + time.Duration(1+rng.Intn(23))*time.Hour
	return e
}

// EventQuery selects events as ShowEventSeverity's main parameters do.
// Zero fields select everything.
type EventQuery struct {
	Category     string
	HandleStatus string
	// LastDays keeps events younger than that many days.
	LastDays int
	// EnterpriseProjectID: "" for the default project, AllEnterpriseProjects
	// for all.
	EnterpriseProjectID string
}

// EventCounts is ShowEventSeverity's answer.
type EventCounts struct {
	Total, Low, Medium, High, Critical int
}

// add counts one event of severity.
func (c *EventCounts) add(severity string) {
	c.Total++
	switch severity {
	case "Low":
		c.Low++
	case "Medium":
		c.Medium++
	case "High":
		c.High++
	case "Critical":
		c.Critical++
	}
}

// EventCounts returns what ShowEventSeverity answers for q: the truth a
// client's event counts must equal.
func (f *Fleet) EventCounts(q EventQuery) EventCounts {
	var c EventCounts
	for _, e := range f.postureView().events {
		if (q.Category == "" || e.Category == q.Category) &&
			(q.HandleStatus == "" || e.HandleStatus == q.HandleStatus) &&
			(q.LastDays <= 0 || e.Age < time.Duration(q.LastDays)*24*time.Hour) &&
			epMatches(q.EnterpriseProjectID, orDefault(e.EnterpriseProjectID)) {
			c.add(e.Severity)
		}
	}
	return c
}
