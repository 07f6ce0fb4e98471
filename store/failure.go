package store

import (
	"errors"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"
)

// Failure names the kind of a database failure in words anybody may read
// (it goes into /healthz's body, on every host): never the error's own
// text, which can name internal addresses. It reads the drivers' error
// codes (SQLite's result codes; PostgreSQL's SQLSTATE: 53100 disk full,
// 25006 read-only transaction, 55P03 lock not available, classes 08 and 57
// connection and operator intervention), so the handlers need not know
// either database.
func Failure(err error) string {
	var lite sqlite3.Error
	var pg *pgconn.PgError
	var conn *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.Is(err, ErrClosed):
		return "the server is shutting down"
	case errors.As(err, &lite):
		switch lite.Code {
		case sqlite3.ErrFull:
			return "the disk is full"
		case sqlite3.ErrReadonly:
			return "it is read-only"
		case sqlite3.ErrIoErr:
			return "the disk refused the write (I/O error)"
		case sqlite3.ErrBusy, sqlite3.ErrLocked:
			return "another process holds its write lock"
		}
	case errors.As(err, &pg):
		switch {
		case pg.Code == "53100":
			return "the disk is full"
		case pg.Code == "25006":
			return "it is read-only"
		case pg.Code == "55P03":
			return "another process holds its write lock"
		case strings.HasPrefix(pg.Code, "08"), strings.HasPrefix(pg.Code, "57"):
			return "the database server cannot be reached"
		}
	case errors.As(err, &conn), errors.As(err, &netErr):
		return "the database server cannot be reached"
	}
	return "see the server log"
}
