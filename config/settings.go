package config

import (
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/budget"
)

// Settings are the keys global and every target share. Load fills each
// key a target leaves out from global, and each key global leaves out
// from DefaultSettings, so after Load every field holds a usable value.
// The struct is the one list of these keys: the decoder's fields and the
// inheritance are derived from its yaml tags.
type Settings struct {
	RefreshInterval   time.Duration `yaml:"refresh_interval"`
	RequestTimeout    time.Duration `yaml:"request_timeout"`
	PageSize          int           `yaml:"page_size"` // hssclient.MinPageSize..MaxPageSize
	MaxConcurrency    int           `yaml:"max_concurrency"`
	RequestsPerSecond float64       `yaml:"requests_per_second"`
	APICallsPerMinute float64       `yaml:"api_calls_per_minute"` // per operation
	MaxStaleness      time.Duration `yaml:"max_staleness"`
	// Clusters reads ListContainers, which places each pod container in
	// its Kubernetes cluster (package clusters). A pointer, so that an
	// unset key (nil) can default to on; read it with ClustersOn.
	Clusters *bool `yaml:"clusters"`
}

// DefaultSettings returns the value of each key that neither global nor
// the target gives.
func DefaultSettings() Settings {
	return Settings{
		RefreshInterval:   5 * time.Minute,
		RequestTimeout:    30 * time.Second,
		PageSize:          hssclient.MaxPageSize, // the fewest calls
		MaxConcurrency:    4,
		RequestsPerSecond: 5,
		APICallsPerMinute: budget.CallsPerMinute,
		MaxStaleness:      30 * time.Minute,
		Clusters:          new(true),
	}
}

// WithDefaults returns s with every setting at or below zero, which Load
// never lets through, replaced by its default: a Settings built by hand
// (in tests) then behaves as if it came from a file that left those keys
// out, and a loaded one is returned unchanged.
func (s Settings) WithDefaults() Settings {
	v, def := reflect.ValueOf(&s).Elem(), reflect.ValueOf(DefaultSettings())
	for i := range v.NumField() {
		f := v.Field(i)
		if (f.CanInt() && f.Int() <= 0) || (f.CanFloat() && f.Float() <= 0) || (f.Kind() == reflect.Pointer && f.IsNil()) {
			f.Set(def.Field(i))
		}
	}
	return s
}

// ClustersOn reports whether the clusters key is on; unset means on.
func (s Settings) ClustersOn() bool { return s.Clusters == nil || *s.Clusters }

// settingsKeys are the yaml keys of Settings, in field order.
var settingsKeys = func() []string {
	typ := reflect.TypeFor[Settings]()
	keys := make([]string, typ.NumField())
	for i := range keys {
		keys[i] = strings.Split(typ.Field(i).Tag.Get("yaml"), ",")[0]
	}
	return keys
}()

// settingsFields decodes the keys of Settings into s, each by the type
// of its field.
func settingsFields(s *Settings) []field {
	v := reflect.ValueOf(s).Elem()
	fields := make([]field, len(settingsKeys))
	for i, key := range settingsKeys {
		switch p := v.Field(i).Addr().Interface().(type) {
		case *time.Duration:
			fields[i] = durField(key, p)
		case *int:
			fields[i] = intField(key, p)
		case *float64:
			fields[i] = floatField(key, p)
		case **bool:
			*p = new(bool) // a key left out is inherited over it
			fields[i] = boolField(key, *p)
		default:
			panic("config: no decoder for the type of setting " + key)
		}
	}
	return fields
}

// inherit fills every key not given at prefix from base.
func (v *validator) inherit(prefix string, s *Settings, base Settings) {
	dst, src := reflect.ValueOf(s).Elem(), reflect.ValueOf(base)
	for i, key := range settingsKeys {
		if !v.set(prefix + "." + key) {
			dst.Field(i).Set(src.Field(i))
		}
	}
}

// checkSettings checks the keys given at prefix on their own, and reports
// whether the durations are sound enough to compare with each other.
func (v *validator) checkSettings(prefix string, s *Settings) bool {
	ok := true
	check := func(key string, bad bool, format string, args ...any) {
		p := prefix + "." + key
		if v.set(p) && bad {
			v.errorf(v.at[p], p, format, args...)
			ok = ok && key != "refresh_interval" && key != "request_timeout" && key != "max_staleness"
		}
	}
	check("refresh_interval", s.RefreshInterval < MinRefreshInterval,
		"%s is too short; the minimum is %s", fmtDur(s.RefreshInterval), fmtDur(MinRefreshInterval))
	check("request_timeout", s.RequestTimeout <= 0, "must be longer than 0s, got %s", fmtDur(s.RequestTimeout))
	check("max_staleness", s.MaxStaleness <= 0, "must be longer than 0s, got %s", fmtDur(s.MaxStaleness))
	check("page_size", s.PageSize < hssclient.MinPageSize || s.PageSize > hssclient.MaxPageSize,
		"%d is out of range %d..%d", s.PageSize, hssclient.MinPageSize, hssclient.MaxPageSize)
	check("max_concurrency", s.MaxConcurrency < 1 || s.MaxConcurrency > MaxConcurrencyLimit,
		"%d is out of range 1..%d", s.MaxConcurrency, MaxConcurrencyLimit)
	check("requests_per_second", s.RequestsPerSecond <= 0,
		"must be greater than 0, got %s", strconv.FormatFloat(s.RequestsPerSecond, 'g', -1, 64))
	check("api_calls_per_minute", s.APICallsPerMinute <= 0,
		"must be greater than 0 (calls of each HSS API a minute; HSS documents 5), got %s",
		strconv.FormatFloat(s.APICallsPerMinute, 'g', -1, 64))
	return ok
}

// crossCheck compares the resolved durations. For a target, only a pair
// with a key set on the target itself is compared: a pair inherited
// whole from global was checked there. The problem is reported at the
// key given at this level.
func (v *validator) crossCheck(prefix string, s *Settings, always bool) {
	ri, rt, ms := prefix+".refresh_interval", prefix+".request_timeout", prefix+".max_staleness"
	at := func(first, second string) (string, bool) {
		if v.set(first) {
			return first, true
		}
		return second, always || v.set(second)
	}
	if p, ok := at(rt, ri); ok && s.RequestTimeout >= s.RefreshInterval {
		v.errorf(v.at[p], p, "request_timeout (%s) must be shorter than refresh_interval (%s)",
			fmtDur(s.RequestTimeout), fmtDur(s.RefreshInterval))
	}
	if p, ok := at(ms, ri); ok && s.MaxStaleness < s.RefreshInterval {
		v.errorf(v.at[p], p, "max_staleness (%s) must be at least refresh_interval (%s)",
			fmtDur(s.MaxStaleness), fmtDur(s.RefreshInterval))
	}
}
