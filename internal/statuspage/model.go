package statuspage

import (
	"net/url"
	"time"

	"github.com/hss-exporter/hss_exporter/clusters"
	"github.com/hss-exporter/hss_exporter/collector"
)

// How many images the status page and /api/v1/status list per target: enough
// to see where containers and exposure concentrate, few enough to keep the
// page small. /api/v1/image gives any one image in full.
const (
	statusTopImages    = 10
	statusPublicImages = 20
)

// StatusReport is the status of every target, the JSON of
// /api/v1/status. The HTML page renders this same value, so the two
// cannot disagree. It holds
// no configuration beyond the target names and limits: no credential,
// endpoint or container start command can reach it.
type StatusReport struct {
	GeneratedAt time.Time `json:"generated_at"`
	Version     string    `json:"version"`
	// Shard of TotalShards is which share of every target's images this
	// replica lists (--shard, --total-shards): 0 of 1 when not sharded.
	Shard       int            `json:"shard"`
	TotalShards int            `json:"total_shards"`
	Targets     []TargetReport `json:"targets"`

	// MetricsPath is --web.telemetry-path, for the page's link.
	MetricsPath string `json:"-"`
}

// TargetReport is one target's refresh health and inventory summary.
type TargetReport struct {
	Name string `json:"name"`
	// Health is one of pending, healthy, degraded, failing, down, stale.
	Health     collector.Health `json:"health"`
	Summary    string           `json:"summary"` // Health in plain words
	Refreshing bool             `json:"refreshing"`

	LastRefresh   *refreshReport `json:"last_refresh"`    // null before the first
	LastSuccessAt *time.Time     `json:"last_success_at"` // null before data first landed
	// DataAgeSeconds is the age of the data served; null before data first
	// landed. Stale is true once it exceeds MaxStalenessSeconds.
	DataAgeSeconds         *float64 `json:"data_age_seconds"`
	MaxStalenessSeconds    float64  `json:"max_staleness_seconds"` // 0: data never expires
	RefreshIntervalSeconds float64  `json:"refresh_interval_seconds"`
	Stale                  bool     `json:"stale"`
	RefreshesSkipped       uint64   `json:"refreshes_skipped"`

	// ImagesOwned of ImagesDiscovered images this shard lists, at the last
	// discovery that succeeded; equal when not sharded.
	ImagesOwned      int `json:"images_owned"`
	ImagesDiscovered int `json:"images_discovered"`

	// CredentialsRefused is null unless the API or IAM refused the
	// target's credentials: then no call is made with them until the
	// next attempt it names.
	CredentialsRefused *refusalReport `json:"credentials_refused"`
	// CredentialsUnavailable is null unless IAM or the metadata service
	// failed to hand out the target's credentials: then no call is made
	// until the next attempt it names.
	CredentialsUnavailable *refusalReport `json:"credentials_unavailable"`

	Listing ListingReport `json:"listing"`

	Counts            CountsReport  `json:"counts"`
	TopImages         []ImageReport `json:"top_images"`
	PublicImages      []ImageReport `json:"public_images"`
	PublicImagesTotal int           `json:"public_images_total"`

	// BlindSpots is where HSS cannot see or protect (status_blindspots.go).
	BlindSpots *blindSpotsReport `json:"blind_spots"`

	// Clusters is the ListContainers source's state; null where the
	// target reads no clusters (clusters: false, a shard other than 0).
	Clusters *clusters.Status `json:"clusters"`
}

// ListingReport is how the target's container listings keep up within
// the API budget.
type ListingReport struct {
	// BudgetCallsPerMinute is the listing budget in force (0: none), and
	// BudgetLearned whether a 429 lowered it below api_calls_per_minute.
	BudgetCallsPerMinute float64 `json:"budget_calls_per_minute"`
	BudgetLearned        bool    `json:"budget_learned"`
	// SweepCalls calls list every image once; SweepSeconds is how long
	// that takes at the budget sweeping back to back, FirstSweepSeconds
	// how long the first sweep takes from start (its first minute's calls
	// start right away, spaced through the first seconds).
	SweepCalls        int     `json:"sweep_calls"`
	SweepSeconds      float64 `json:"sweep_seconds"`
	FirstSweepSeconds float64 `json:"first_sweep_seconds"`
	// ImagesListed of ImagesToList images that need a call are listed
	// (once at least); ImagesPending wait for a listing: ImagesNotListed
	// for their first, ImagesToRelist for another after their container
	// count changed.
	ImagesToList    int `json:"images_to_list"`
	ImagesListed    int `json:"images_listed"`
	ImagesPending   int `json:"images_pending"`
	ImagesNotListed int `json:"images_not_listed"`
	ImagesToRelist  int `json:"images_to_relist"`
	// OldestListingSeconds is the age of the oldest listing; null when
	// none is listed. FirstSweepAt is null while the first sweep runs.
	OldestListingSeconds *float64   `json:"oldest_listing_seconds"`
	FirstSweepAt         *time.Time `json:"first_sweep_at"`
	// Advice says in plain words what the budget buys, and what raising
	// api_calls_per_minute would.
	Advice string `json:"advice"`
}

// refusalReport says that the target's credentials were refused, and
// when they are tried again: at NextAttemptAt, or at once when their
// files change. It names no credential.
type refusalReport struct {
	NextAttemptAt time.Time `json:"next_attempt_at"`
	Message       string    `json:"message"` // "credentials refused; next attempt at <time>"
	Advice        string    `json:"advice"`
}

// refreshReport is the last completed refresh of a target.
type refreshReport struct {
	StartedAt       time.Time        `json:"started_at"`
	DurationSeconds float64          `json:"duration_seconds"`
	Result          collector.Result `json:"result"` // success, partial, failure
	Error           string           `json:"error"`
	ErrorExplained  string           `json:"error_explained"`
	Requests        uint64           `json:"requests"`
	Retries         uint64           `json:"retries"`
	ImagesFailed    int              `json:"images_failed"`
}

// CountsReport counts the snapshot served; all zero when none is.
type CountsReport struct {
	Images     int `json:"images"`
	Containers int `json:"containers"`
	Hosts      int `json:"hosts"`
	Pods       int `json:"pods"`
}

// ImageReport is one image as its /metrics series show it.
type ImageReport struct {
	Name               string     `json:"name"`
	Version            string     `json:"version"`
	Digest             string     `json:"digest"`
	ID                 string     `json:"id"`
	Type               string     `json:"type"`
	ScanStatus         string     `json:"scan_status"`
	Severity           string     `json:"severity"`
	Discovered         bool       `json:"discovered"`
	Listed             bool       `json:"listed"`
	Containers         int        `json:"containers"`
	PublicContainers   int        `json:"public_containers"`
	ReportedContainers int64      `json:"reported_containers"`
	Vulnerabilities    int64      `json:"vulnerabilities"`
	UnsafeSettings     int64      `json:"unsafe_settings"`
	MaliciousFiles     int64      `json:"malicious_files"`
	Hosts              int64      `json:"hosts"`
	SizeBytes          int64      `json:"size_bytes"`
	LastScanAt         *time.Time `json:"last_scan_at"`
	DetailsURL         string     `json:"details_url"`
}

// buildStatus reads every target's state from memory; it never calls HSS.
func buildStatus(exp *collector.Exporter, now time.Time, ver string, opts Options) StatusReport {
	spec := exp.Shard()
	r := StatusReport{GeneratedAt: now.UTC(), Version: ver, Shard: spec.Index, TotalShards: spec.Total,
		Targets: []TargetReport{}, MetricsPath: opts.MetricsPath}
	for _, tr := range exp.Reports() {
		t := buildTarget(tr.Status, tr.View)
		t.BlindSpots = buildBlindSpots(tr.Posture)
		if opts.Clusters != nil {
			if st, ok := opts.Clusters(t.Name); ok {
				t.Clusters = &st
			}
		}
		r.Targets = append(r.Targets, t)
	}
	return r
}

func buildTarget(st collector.TargetStatus, view collector.TargetView) TargetReport {
	t := TargetReport{
		Name: st.Target, Refreshing: st.Running, Stale: st.Stale, RefreshesSkipped: st.Skipped,
		MaxStalenessSeconds:    view.MaxStaleness.Seconds(),
		RefreshIntervalSeconds: view.RefreshInterval.Seconds(),
		ImagesOwned:            st.ImagesOwned,
		ImagesDiscovered:       st.ImagesDiscovered,
		Counts:                 CountsReport{st.Images, st.Containers, st.Hosts, st.Pods},
		TopImages:              []ImageReport{},
		PublicImages:           []ImageReport{},
	}
	if st.LastResult != "" {
		t.LastRefresh = &refreshReport{
			StartedAt: st.LastRefresh.UTC(), DurationSeconds: st.LastDuration.Seconds(), Result: st.LastResult,
			Error: st.LastError, ErrorExplained: explainError(st.LastErr, st.LastResult),
			Requests: st.Requests, Retries: st.Retries, ImagesFailed: st.ImagesFailed,
		}
	}
	if !st.LastSuccess.IsZero() {
		at, age := st.LastSuccess.UTC(), st.DataAge.Seconds()
		t.LastSuccessAt, t.DataAgeSeconds = &at, &age
	}
	t.Health, t.Summary = health(st, view.MaxStaleness)
	t.CredentialsRefused = refusal(st.CredentialsRefusedUntil)
	t.CredentialsUnavailable = unavailability(st.CredentialsUnavailableUntil)
	t.Listing = buildListing(st, view.RefreshInterval)
	for _, img := range view.TopImages(statusTopImages) {
		t.TopImages = append(t.TopImages, newImageReport(st.Target, img))
	}
	public := view.PublicImages()
	t.PublicImagesTotal = len(public)
	for _, img := range public[:min(len(public), statusPublicImages)] {
		t.PublicImages = append(t.PublicImages, newImageReport(st.Target, img))
	}
	return t
}

func buildListing(st collector.TargetStatus, interval time.Duration) ListingReport {
	l := ListingReport{
		BudgetCallsPerMinute: st.BudgetPerMinute, BudgetLearned: st.BudgetLearned,
		SweepCalls: st.SweepCalls, SweepSeconds: st.Sweep.Seconds(), FirstSweepSeconds: st.FirstSweep.Seconds(),
		ImagesToList: st.ImagesToList, ImagesListed: st.ImagesListed, ImagesPending: st.ImagesPending,
		ImagesNotListed: max(st.ImagesToList-st.ImagesListed, 0),
		ImagesToRelist:  max(st.ImagesPending-max(st.ImagesToList-st.ImagesListed, 0), 0),
		Advice:          budgetAdvice(st, interval),
	}
	if st.ImagesListed > 0 {
		age := st.OldestListing.Seconds()
		l.OldestListingSeconds = &age
	}
	if !st.FirstSweepAt.IsZero() {
		at := st.FirstSweepAt.UTC()
		l.FirstSweepAt = &at
	}
	return l
}

func newImageReport(target string, img collector.ImageView) ImageReport {
	r := ImageReport{
		Name: img.Name, Version: img.Version, Digest: img.Digest, ID: img.ID, Type: img.Type,
		ScanStatus: img.ScanStatus, Severity: img.Severity, Discovered: img.Discovered, Listed: img.Listed,
		Containers: img.Containers, PublicContainers: img.PublicContainers, ReportedContainers: img.ReportedContainers,
		Vulnerabilities: img.Vulnerabilities, UnsafeSettings: img.UnsafeSettings, MaliciousFiles: img.MaliciousFiles,
		Hosts: img.Hosts, SizeBytes: img.SizeBytes, DetailsURL: imageURL(target, img.Name, img.Version, img.Digest),
	}
	if !img.LastScan.IsZero() {
		at := img.LastScan.UTC()
		r.LastScanAt = &at
	}
	return r
}

// imageURL is the JSON view of one image.
func imageURL(target, name, version, digest string) string {
	q := url.Values{"target": {target}, "name": {name}, "version": {version}, "digest": {digest}}
	return "/api/v1/image?" + q.Encode()
}
