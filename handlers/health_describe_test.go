package handlers

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/mattn/go-sqlite3"
)

// A probe write that ran out of time says so with the probe's limit;
// every other failure is named by the store (store.Failure's own test).
func TestHealthDescribesFailuresWithoutTheirText(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("probe: %w", context.DeadlineExceeded), "it did not answer within 2s"},
		{sqlite3.Error{Code: sqlite3.ErrFull}, "the disk is full"},
		{errors.New("unexpected EOF at 10.0.0.5:5432"), "see the server log"},
	} {
		if got := describe(tc.err); got != tc.want {
			t.Errorf("describe(%q) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
