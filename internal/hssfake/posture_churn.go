package hssfake

import (
	"math/rand"
	"time"
)

// PostureChurn counts the changes ChurnNodes made.
type PostureChurn struct {
	Offline, Online                    int // agents that went offline, came back
	ProtectionClosed, ProtectionOpened int
	Interrupted, Degraded, Recovered   int // protection interrupted, degraded, back to normal
	EventsRaised, EventsHandled        int
	Unchanged                          int // picks that changed nothing (no quota, no agent)
}

// Changes is the number of changes made.
func (c PostureChurn) Changes() int {
	return c.Offline + c.Online + c.ProtectionClosed + c.ProtectionOpened + c.Interrupted +
		c.Degraded + c.Recovered + c.EventsRaised + c.EventsHandled
}

// ChurnNodes makes n random changes to the nodes and their events: agents
// going offline and coming back, protection closed (its quota released) or
// opened again (when the edition has an idle quota), protection interrupted
// or degraded and recovering, new unhandled host events and events handled.
// Nodes without an agent are left alone. It is safe while the fleet is
// being served.
func (f *Fleet) ChurnNodes(rng *rand.Rand, n int) PostureChurn {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.churnNodesLocked(rng, n)
}

func (f *Fleet) churnNodesLocked(rng *rand.Rand, n int) PostureChurn {
	var c PostureChurn
	var agents []int
	for i, node := range f.nodes {
		if node.AgentStatus != AgentNotInstalled {
			agents = append(agents, i)
		}
	}
	if len(agents) == 0 {
		return c
	}
	for range n {
		node := &f.nodes[agents[rng.Intn(len(agents))]]
		switch rng.Intn(6) {
		case 0:
			f.toggleAgent(node, &c)
		case 1:
			f.toggleProtection(node, &c)
		case 2, 3:
			toggleHealth(rng, node, &c)
		case 4:
			e := newEvent(rng, CategoryHost, *node, "")
			e.HandleStatus, e.Age = EventUnhandled, time.Duration(1+rng.Intn(59))*time.Minute
			f.events = append(f.events, e)
			c.EventsRaised++
		case 5:
			f.handleEvent(rng, &c)
		}
	}
	f.psnap = nil
	return c
}

// toggleAgent takes an online agent offline (as when its host stops) or
// brings an offline one back.
func (f *Fleet) toggleAgent(n *Node, c *PostureChurn) {
	if n.AgentStatus == AgentOnline {
		n.AgentStatus = AgentOffline
		c.Offline++
		return
	}
	n.AgentStatus, n.HostStatus = AgentOnline, HostActive
	c.Online++
}

func (f *Fleet) toggleProtection(n *Node, c *PostureChurn) {
	if n.ProtectStatus == ProtectOpened {
		f.closeProtection(n)
		c.ProtectionClosed++
		return
	}
	if f.openProtection(n) {
		c.ProtectionOpened++
		return
	}
	c.Unchanged++
}

// toggleHealth interrupts or degrades the protection of a healthy
// protected node, or lets a troubled one recover.
func toggleHealth(rng *rand.Rand, n *Node, c *PostureChurn) {
	switch {
	case n.ProtectStatus != ProtectOpened:
		c.Unchanged++
	case n.ProtectInterrupt || n.ProtectDegradation:
		n.ProtectInterrupt, n.ProtectDegradation, n.DegradationReason = false, false, ""
		c.Recovered++
	case rng.Intn(2) == 0:
		n.ProtectInterrupt = true
		c.Interrupted++
	default:
		n.ProtectDegradation = true
		n.DegradationReason = degradationReasons[rng.Intn(len(degradationReasons))]
		c.Degraded++
	}
}

// handleEvent marks a random unhandled event handled.
func (f *Fleet) handleEvent(rng *rand.Rand, c *PostureChurn) {
	var open []int
	for i, e := range f.events {
		if e.HandleStatus == EventUnhandled {
			open = append(open, i)
		}
	}
	if len(open) == 0 {
		c.Unchanged++
		return
	}
	f.events[open[rng.Intn(len(open))]].HandleStatus = EventHandled
	c.EventsHandled++
}
