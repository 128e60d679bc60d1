//go:build race

package hssfake

// raceEnabled loosens timing assertions: the race detector slows code ~10x.
const raceEnabled = true
