//go:build !race

package metricshandler

// raceEnabled is true under the race detector, which slows scrapes down
// tenfold: timing bounds widen then.
const raceEnabled = false
