package handlers

import (
	"math"
	"strconv"
	"time"
)

// retryAfter is a Retry-After header value in whole seconds, at least 1.
func retryAfter(at, now time.Time) string {
	return strconv.Itoa(max(1, int(math.Ceil(at.Sub(now).Seconds()))))
}
