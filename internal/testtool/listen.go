package testtool

import (
	"regexp"
	"strings"
)

// listeningAddress finds the address in exporter-toolkit's "Listening on"
// line, in logfmt (address=...) or JSON ("address":"...").
var listeningAddress = regexp.MustCompile(`\baddress=([^\s"]+)|"address":"([^"]+)"`)

// ListenAddresses returns, in the order they were logged, the addresses
// named by the "Listening on" lines of exporter-toolkit in logs, as the
// exporter, Prometheus and Alertmanager write them. A server told to
// listen on port 0 binds a port of the kernel's choosing and logs it
// there: a test reads it back instead of guessing a free port, which
// another server may take before the one meant for it binds it.
func ListenAddresses(logs string) []string {
	var out []string
	for _, line := range strings.Split(logs, "\n") {
		if !strings.Contains(line, "Listening on") {
			continue
		}
		m := listeningAddress.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		addr := m[1] + m[2]
		if strings.HasSuffix(addr, ":0") {
			continue // the address asked for, not the one bound
		}
		out = append(out, addr)
	}
	return out
}
