package statuspage

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/hss-exporter/hss_exporter/collector"
)

// The words of the status page's Blind spots section.

// nodeFault says why HSS does not fully protect a node.
func nodeFault(n collector.NodeView) string {
	var why []string
	switch n.AgentStatus {
	case "online":
	case "not_installed":
		why = append(why, "agent not installed")
	case "":
		why = append(why, "agent state unknown")
	default:
		why = append(why, "agent "+strings.ReplaceAll(n.AgentStatus, "_", " "))
	}
	if n.ProtectStatus != "opened" {
		why = append(why, "protection "+cmp.Or(n.ProtectStatus, "state unknown"))
	}
	if n.Interrupted {
		why = append(why, "protection interrupted")
	}
	if n.Degraded {
		reason := "protection degraded"
		if n.DegradationReason != "" {
			reason += " (" + n.DegradationReason + ")"
		}
		why = append(why, reason)
	}
	return strings.Join(why, ", ")
}

// States of a posture part, in postureReport.State.
const (
	postureOff     = "off"     // turned off in the configuration
	postureShard   = "shard"   // read by shard 0 only
	postureUnread  = "unread"  // the client cannot read it
	posturePending = "pending" // no read has finished yet
	postureUp      = "up"      // the last read succeeded
	postureFailing = "failing" // the last read failed; the last good data is shown
	postureDropped = "dropped" // failing, and no data younger than max_staleness
)

func postureState(p collector.PosturePart) string {
	switch {
	case p.Off == collector.PostureOffConfig:
		return postureOff
	case p.Off == collector.PostureOffShard:
		return postureShard
	case p.Off != "":
		return postureUnread
	case !p.Ran:
		return posturePending
	case p.Up:
		return postureUp
	case p.Shown:
		return postureFailing
	}
	return postureDropped
}

// postureStateText is a part's state in plain words.
func postureStateText(state string) string {
	return map[string]string{
		postureOff:     "turned off in the configuration (posture)",
		postureShard:   "read by shard 0 only",
		postureUnread:  "not read",
		posturePending: "waiting for the first read",
		postureUp:      "read",
		postureFailing: "the last read failed; its last good data is shown until max_staleness",
		postureDropped: "the last read failed, and nothing younger than max_staleness is left to show",
	}[state]
}

// blindSpotsSummary says in one sentence where the target is blind.
func blindSpotsSummary(b *blindSpotsReport, v collector.PostureView) string {
	shown := map[string]bool{}
	for _, p := range v.Parts {
		shown[p.Part] = p.Shown
	}
	var parts []string
	if shown["nodes"] {
		switch {
		case b.NodesAtFaultTotal == 0:
			parts = append(parts, fmt.Sprintf("HSS fully protects all %s it lists", counted(b.Nodes, "node")))
		case b.InventoryShown:
			parts = append(parts, fmt.Sprintf("%s on the %s of %s HSS does not fully protect",
				counted(b.ContainersOnNodesAtFault, "container"), thousands(b.NodesAtFaultTotal), counted(b.Nodes, "node")))
		default:
			parts = append(parts, fmt.Sprintf("HSS does not fully protect %s of %s",
				thousands(b.NodesAtFaultTotal), counted(b.Nodes, "node")))
		}
		if b.UnlistedHostsTotal > 0 {
			parts = append(parts, fmt.Sprintf("%s on %s HSS does not list as a node at all",
				counted(b.ContainersOnUnlistedHosts, "container"), counted(b.UnlistedHostsTotal, "host")))
		}
	}
	if shown["events"] {
		parts = append(parts, fmt.Sprintf("%s in the last %s", counted(int(b.UnhandledEventsTotal), "unhandled security event"),
			counted(b.EventsLastDays, "day")))
	}
	if shown["quotas"] {
		var exhausted []string
		for _, q := range b.Quotas {
			if q.Exhausted {
				exhausted = append(exhausted, q.Edition)
			}
		}
		if len(exhausted) > 0 {
			parts = append(parts, "no protection quota left for "+strings.Join(exhausted, ", ")+": a new node of that edition joins unprotected")
		} else {
			parts = append(parts, "protection quota left for every edition")
		}
	}
	if len(parts) == 0 {
		return "No posture data is shown: see the state of each part below."
	}
	s := strings.Join(parts, "; ") + "."
	return strings.ToUpper(s[:1]) + s[1:]
}

// counted writes n and the noun, plural unless n is 1: "1 node", "1,204 containers".
func counted(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return thousands(n) + " " + noun + "s"
}
