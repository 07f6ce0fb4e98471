package handlers

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"helpcenter/store"
)

// What /healthz's body says for the failures the two databases report:
// the kind of failure, never the error's text.
func TestHealthDescribesFailuresWithoutTheirText(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{errors.New("database or disk is full"), "the disk is full"},
		{errors.New(`ERROR: could not extend file "base/16384/2619": No space left on device (SQLSTATE 53100)`), "the disk is full"},
		{errors.New("attempt to write a readonly database"), "it is read-only"},
		{errors.New("ERROR: cannot execute INSERT in a read-only transaction (SQLSTATE 25006)"), "it is read-only"},
		{errors.New("disk I/O error"), "the disk refused the write (I/O error)"},
		{errors.New("database is locked"), "another process holds its write lock"},
		{errors.New("ERROR: canceling statement due to lock timeout (SQLSTATE 55P03)"), "another process holds its write lock"},
		{fmt.Errorf("probe: %w", context.DeadlineExceeded), "it did not answer within 2s"},
		{fmt.Errorf("write: %w", store.ErrClosed), "the server is shutting down"},
		{errors.New("failed to connect to `host=10.0.0.5 user=hc database=hc`: dial error"), "the database server cannot be reached"},
		{errors.New("unexpected EOF at 10.0.0.5:5432"), "see the server log"},
	} {
		if got := describe(tc.err); got != tc.want {
			t.Errorf("describe(%q) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
