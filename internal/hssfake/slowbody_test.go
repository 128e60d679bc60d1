package hssfake

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSlowBodySendsHeadersThenTrickles(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, smallFleet()))
	const delay = 150 * time.Millisecond
	s.AddFault(Fault{Operation: OpListLocalImageContainers, Kind: FaultSlowBody, Delay: delay, Times: 2})

	// A patient client gets the whole, valid answer, late.
	start := time.Now()
	resp, body, err := rawGet(t, context.Background(), s, clock, containersPath, "")
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	require.GreaterOrEqual(t, time.Since(start), delay)
	var page containerPage
	require.NoError(t, json.Unmarshal(body, &page))
	require.NotEmpty(t, page.DataList)

	// A client that gives up mid-body sees the headers, then an error.
	ctx, cancel := context.WithTimeout(context.Background(), delay/3)
	defer cancel()
	resp, _, err = rawGet(t, ctx, s, clock, containersPath, "")
	require.NotNil(t, resp, "the headers arrived on time")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Eventually(t, func() bool { return s.InFlight() == 0 }, time.Second, time.Millisecond,
		"the handler stops when the client goes")
}
