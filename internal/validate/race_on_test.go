//go:build race

package validate

// raceEnabled is true under -race, which makes the huge-input tests take
// minutes; .ci/run runs them once without it.
const raceEnabled = true
