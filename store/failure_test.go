package store_test

import (
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"

	"helpcenter/store"
)

// What /healthz's body says for the failures the two drivers report: the
// kind, read off their codes, never the error's text.
func TestFailureNamesTheKindNotTheText(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{sqlite3.Error{Code: sqlite3.ErrFull}, "the disk is full"},
		{&pgconn.PgError{Code: "53100", Message: `could not extend file "base/16384/2619": No space left on device`}, "the disk is full"},
		{sqlite3.Error{Code: sqlite3.ErrReadonly}, "it is read-only"},
		{&pgconn.PgError{Code: "25006", Message: "cannot execute INSERT in a read-only transaction"}, "it is read-only"},
		{fmt.Errorf("commit: %w", sqlite3.Error{Code: sqlite3.ErrIoErr}), "the disk refused the write (I/O error)"},
		{sqlite3.Error{Code: sqlite3.ErrBusy}, "another process holds its write lock"},
		{&pgconn.PgError{Code: "55P03", Message: "canceling statement due to lock timeout"}, "another process holds its write lock"},
		{&pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}, "the database server cannot be reached"},
		{&net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 5), Port: 5432}, Err: errors.New("connection refused")}, "the database server cannot be reached"},
		{fmt.Errorf("write: %w", store.ErrClosed), "the server is shutting down"},
		{&pgconn.PgError{Code: "23505", Message: "duplicate key value at 10.0.0.5"}, "see the server log"},
		{errors.New("unexpected EOF at 10.0.0.5:5432"), "see the server log"},
	} {
		if got := store.Failure(tc.err); got != tc.want {
			t.Errorf("Failure(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
