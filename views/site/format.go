package site

import (
	"net/http"
	"strconv"
)

func statusCode(s int) string { return strconv.Itoa(s) + " " + http.StatusText(s) }

func secondsText(n int) string {
	if n == 1 {
		return "1 second"
	}
	return strconv.Itoa(n) + " seconds"
}
