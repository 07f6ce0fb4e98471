package handlers

import (
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// setRetryAfter sets Retry-After to wait, rounded up to whole seconds and
// at least 1, and returns the seconds for the message that goes with it.
func setRetryAfter(c echo.Context, wait time.Duration) int {
	secs := max(1, int((wait+time.Second-1)/time.Second))
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	return secs
}
