package hssclient

// The HSS API's own limits (../shared/hss-api): the one place they are
// written down. Config checks its keys against them and takes its defaults
// from them; the pager and the budget keep within them.
const (
	// MinPageSize and MaxPageSize are the range of a listing's limit
	// parameter; MaxPageSize is also the most rows a page holds.
	MinPageSize = 10
	MaxPageSize = 200
	// CallsPerMinute is HSS's documented limit of one API for one user:
	// "a single user or IP address can access an API for up to five
	// times/minute".
	CallsPerMinute = 5
)

// pageSteps are the page sizes to fall back to when the API answers 400 to
// a larger one.
var pageSteps = []int{MaxPageSize, 100, 50, MinPageSize}
