package budget

import (
	"math"
	"time"
)

// SweepTime is how long calls take at perMinute calls a minute and at
// most perSecond a second, sent back to back; 0 when neither limits
// (+Inf or not positive).
func SweepTime(calls int, perMinute, perSecond float64) time.Duration {
	rate := math.Min(perMinute/60, perSecond)
	if math.IsInf(rate, 1) || rate <= 0 {
		return 0
	}
	return time.Duration(float64(calls) / rate * float64(time.Second))
}

// FirstSweepTime is how long calls take from an idle budget of perMinute
// a minute, as the first sweep after start does: the sliding window lets
// a minute's worth of calls start right away, spaced a second apart at
// most a sixtieth of them a second, so the last call starts
// ceil(calls / perMinute) - 1 minutes in, plus the seconds the last
// minute's calls are spaced over: sooner than back to back. perSecond
// (requests_per_second) bounds it from below; +Inf: no limit.
func FirstSweepTime(calls int, perMinute, perSecond float64) time.Duration {
	var d time.Duration
	if perMinute > 0 && !math.IsInf(perMinute, 1) && calls > 0 {
		windows := math.Ceil(float64(calls) / perMinute)
		last := float64(calls) - (windows-1)*math.Floor(perMinute)
		spaced := max(1, math.Ceil(perMinute/60))
		d = time.Duration(windows-1)*time.Minute +
			time.Duration(max(math.Ceil(last/spaced)-1, 0))*spacedSecond(time.Minute)
	}
	if perSecond > 0 && !math.IsInf(perSecond, 1) {
		d = max(d, time.Duration(float64(calls)/perSecond*float64(time.Second)))
	}
	return d
}
