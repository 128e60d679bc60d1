package hssfake

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/internal/testclock"
)

// movingFleet is one image of 30 containers, c0 to c29.
func movingFleet(t *testing.T) (*Server, *testclock.Clock) {
	clock := newClock()
	var cs []Container
	for i := range 30 {
		cs = append(cs, Container{ImageID: "img", ID: "c" + itoa(i)})
	}
	return startServer(t, testOptions(clock, NewFleet([]Image{{ID: "img", Name: "app", Version: "1"}}, cs))), clock
}

// page fetches the containers page at offset, limit.
func page(t *testing.T, s *Server, clock *testclock.Clock, offset, limit int) containerPage {
	t.Helper()
	resp := get(t, s, clock, containersPath, "limit="+itoa(limit)+"&offset="+itoa(offset))
	require.Equal(t, 200, resp.status, string(resp.body))
	var p containerPage
	resp.decode(t, &p)
	return p
}

func ids(p containerPage) []string {
	var out []string
	for _, c := range p.DataList {
		out = append(out, c.ContainerID)
	}
	return out
}

func TestRemovedHeadRowsMoveTheRowsBehindThemUp(t *testing.T) {
	t.Parallel()
	s, clock := movingFleet(t)
	s.SetFaults(Faults{RemoveHeadRows: 2, MovingPages: 1})
	first := page(t, s, clock, 0, 10)
	require.Equal(t, int64(30), first.TotalNum)
	second := page(t, s, clock, 10, 10)
	require.Equal(t, int64(28), second.TotalNum, "c0 and c1 stopped between the pages")
	require.Equal(t, "c12", second.DataList[0].ContainerID, "c10 and c11 moved up, before offset 10")
	require.Len(t, s.Fleet().Containers(), 28)

	third := page(t, s, clock, 20, 10)
	require.Equal(t, int64(28), third.TotalNum, "MovingPages: only one later page removed rows")
	require.Len(t, third.DataList, 8)
	require.Equal(t, "c2", page(t, s, clock, 0, 10).DataList[0].ContainerID, "the first page of a listing removes nothing")
}

func TestRepeatedRowsTakeTheirPlaceOfLiveRows(t *testing.T) {
	t.Parallel()
	s, clock := movingFleet(t)
	s.SetFaults(Faults{RepeatRows: 3})
	require.Equal(t, "c9", ids(page(t, s, clock, 0, 10))[9])
	second := page(t, s, clock, 10, 10)
	require.Equal(t, int64(30), second.TotalNum, "total_num stays")
	require.Equal(t, []string{"c7", "c8", "c9"}, ids(second)[:3], "the page repeats the last rows of the one before")
	third := page(t, s, clock, 20, 10)
	require.Equal(t, "c26", ids(third)[9], "c27 to c29 are never served to a listing that ends on total_num")
}

func TestLimitFactorServesMoreRowsThanAsked(t *testing.T) {
	t.Parallel()
	s, clock := movingFleet(t)
	s.SetFaults(Faults{LimitFactor: 2})
	require.Len(t, page(t, s, clock, 0, 10).DataList, 20)
	require.Len(t, page(t, s, clock, 20, 10).DataList, 10, "as many as there are")
}
