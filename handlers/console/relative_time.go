package console

import (
	"fmt"
	"time"
)

// relativeTime says how long before now t was, in the words of the
// console ("3 minutes ago"). now is the handler's injected clock, so tests
// and screenshots read the same words every run.
func relativeTime(t, now time.Time) string {
	d := now.Sub(t)
	plural := func(n int64, unit string) string { return count(n, unit) + " ago" }
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int64(d/time.Minute), "minute")
	case d < 24*time.Hour:
		return plural(int64(d/time.Hour), "hour")
	case d < 30*24*time.Hour:
		return plural(int64(d/(24*time.Hour)), "day")
	default:
		return "on " + t.UTC().Format("2 Jan 2006")
	}
}

// count is n of a regular noun in words: "1 token", "3 tokens".
func count(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
