package testtool

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestListenAddressesReadsTheBoundPortsFromEveryLogFormat(t *testing.T) {
	t.Parallel()
	logs := `ts=2026-12-07T02:24:30.404Z caller=web.go:503 level=info component=web msg="Start listening for connections" address=127.0.0.1:0
ts=2026-12-07T02:24:30.411Z caller=tls_config.go:232 level=info component=web msg="Listening on" address=127.0.0.1:33279
level=info ts=2026-12-07T02:25:26.699531639Z caller=tls_config.go:398 msg="TLS is disabled." http2=false address=127.0.0.1:35377
{"address":"127.0.0.1:34461","caller":"tls_config.go:395","level":"info","msg":"Listening on","ts":"2026-12-07T02:25:31.711872923Z"}
level=info msg="Listening on" address=[::1]:9100
`
	require.Equal(t, []string{"127.0.0.1:33279", "127.0.0.1:34461", "[::1]:9100"}, ListenAddresses(logs))
	require.Empty(t, ListenAddresses(`level=info msg="Listening on" address=127.0.0.1:0`), "the address asked for is no bound port")
}
