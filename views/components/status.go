package components

import (
	"net/http"
	"strconv"
)

func statusText(status int) string {
	return strconv.Itoa(status) + " " + http.StatusText(status)
}
