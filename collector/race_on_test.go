//go:build race

package collector

// raceDetector is true under the race detector, which makes the soak slow: it
// then runs fewer, smaller rounds.
const raceDetector = true
