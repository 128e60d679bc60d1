package hssclient

// The HSS API's page limits (../shared/hss-api): the one place they are
// written down (the call limit is the budget's, budget.CallsPerMinute).
// Config checks its keys against them; the pager keeps within them.
const (
	// MinPageSize and MaxPageSize are the range of a listing's limit
	// parameter; MaxPageSize is also the most rows a page holds.
	MinPageSize = 10
	MaxPageSize = 200
)

// pageSteps are the page sizes to fall back to when the API answers 400 to
// a larger one.
var pageSteps = []int{MaxPageSize, 100, 50, MinPageSize}
