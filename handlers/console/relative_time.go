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
	plural := func(n int64, unit string) string {
		if n == 1 {
			return fmt.Sprintf("1 %s ago", unit)
		}
		return fmt.Sprintf("%d %ss ago", n, unit)
	}
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
