package sso

import "time"

// Clock tells the time. Nothing in this package reads the clock itself:
// every rule takes "now" as a parameter, so tests pin it and a request sees
// one instant throughout. The program passes ClockFunc(time.Now); tests
// pass a function returning a fixed time.
type Clock interface {
	Now() time.Time
}

// ClockFunc adapts a function to Clock.
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }

// FixedClock is a Clock that always says t, for tests and for replaying a
// recorded instant.
func FixedClock(t time.Time) Clock {
	return ClockFunc(func() time.Time { return t })
}
