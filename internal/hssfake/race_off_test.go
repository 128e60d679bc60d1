//go:build !race

package hssfake

const raceEnabled = false
