package inventory

import (
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient"
)

// image is what a target knows of one image it covers.
type image struct {
	ref         imageRef
	rows        []hssclient.Container // sanitised; never changed once stored
	rowHashes   []uint64              // a hash of each row's content, for fingerprints
	listed      bool                  // rows known: listed, or none without a call
	listedAt    time.Time
	listedNum   int64                           // container_num HSS reported when the rows were listed; -1 unknown
	listedQuery hssclient.ListContainersRequest // the query the rows came from
	busy        bool                            // a listing is in flight
	failedAt    time.Time                       // of the last failed listing; zero after a success
	err         error
	// factsVersion is new whenever discovery changes what the image's
	// facts series show, rowsVersion whenever its rows change; versions
	// are unique within the target, so a version names one content.
	factsVersion, rowsVersion uint64
}

// history is what the source has done, kept under Source.mu.
type history struct {
	last        refresh
	cost        cycleCost
	counts      counts
	discovered  bool      // a discovery has succeeded
	discoveryOK bool      // the last discovery succeeded
	expired     bool      // data dropped after max_staleness without an answer
	firstSweep  time.Time // when the first sweep completed
	// imagesOwned and imagesDiscovered count, at the last discovery that
	// succeeded, the images this shard lists and all the target covers.
	imagesOwned, imagesDiscovered int
}

// refresh is how the last completed refresh (discovery) went.
type refresh struct {
	start    time.Time
	duration time.Duration
	result   Result
	err      error // of the last refresh, or of the last failed listing since
}

// cycleCost is what the last refresh cycle cost: its requests and
// retries, from the target's counters at the start of the cycle.
type cycleCost struct {
	requests, retries    uint64
	startReq, startRetry uint64
}

// counts are the source's counters since start.
type counts struct {
	refreshes [len(Results)]uint64
	skipped   uint64
	sanitized uint64
	// moved counts the container listings whose list moved while they
	// paged, by the index of the reason in hssclient.MovedReasons.
	moved [len(hssclient.MovedReasons)]uint64
}
