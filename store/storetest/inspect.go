package storetest

import (
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx", for postgres:// DSNs
	_ "github.com/mattn/go-sqlite3"    // "sqlite3", for sqlite: DSNs

	"helpcenter/models"
)

// These read the database behind a HELPCENTER_DATABASE value directly, so
// tests of other packages can see what a request wrote without test-only
// methods on the store.

// openDSN opens the database behind dsn; the caller closes it (at once:
// a test that polls must not pile up connection pools until it ends).
func openDSN(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	driver, source := "pgx", dsn
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		driver, source = "sqlite3", "file:"+path+"?_busy_timeout=10000"
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		t.Fatalf("open %s: %v", driver, err)
	}
	return db
}

// Events lists a help center's events oldest first.
func Events(t testing.TB, dsn string, helpCenterID int64) []models.Event {
	t.Helper()
	db := openDSN(t, dsn)
	defer db.Close()
	rows, err := db.Query(rebind(dsn, `SELECT id, help_center_id, created_at, event, reason, detail, email, jti, ip, user_agent, key_name, key_id, count, summary
		FROM events WHERE help_center_id = ? ORDER BY created_at, id`), helpCenterID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []models.Event
	for rows.Next() {
		var e models.Event
		var at any
		if err := rows.Scan(&e.ID, &e.HelpCenterID, &at, &e.Event, &e.Reason, &e.Detail, &e.Email, &e.JTI, &e.IP, &e.UserAgent, &e.Key, &e.KeyID, &e.Count, &e.Summary); err != nil {
			t.Fatal(err)
		}
		e.CreatedAt = asTime(t, at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// CountRows counts the rows of one of the product's tables.
func CountRows(t testing.TB, dsn, table string) int64 {
	t.Helper()
	if !slices.Contains(tables, table) {
		t.Fatalf("CountRows: unknown table %q", table) // the name is spliced into the query
	}
	db := openDSN(t, dsn)
	defer db.Close()
	var n int64
	if err := db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// tables are the tables CountRows counts.
var tables = []string{"workspaces", "admins", "admin_sessions", "login_failures", "help_centers", "widget_origins",
	"settings_audit", "provider_wishes", "users", "events", "pending_keys", "used_jtis", "visitor_sessions",
	"revoked_sessions", "categories", "articles", "sso_keys", "sso_key_usage"}

// CountVisitorSessions counts a help center's visitor sessions.
func CountVisitorSessions(t testing.TB, dsn string, helpCenterID int64) int64 {
	t.Helper()
	db := openDSN(t, dsn)
	defer db.Close()
	var n int64
	if err := db.QueryRow(rebind(dsn, "SELECT COUNT(*) FROM visitor_sessions WHERE help_center_id = ?"), helpCenterID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func rebind(dsn, q string) string {
	if strings.HasPrefix(dsn, "sqlite:") {
		return q
	}
	for i := 1; strings.Contains(q, "?"); i++ {
		q = strings.Replace(q, "?", "$"+strconv.Itoa(i), 1)
	}
	return q
}

// asTime reads a timestamp as either driver returns it.
func asTime(t testing.TB, v any) time.Time {
	t.Helper()
	switch x := v.(type) {
	case time.Time:
		return x.UTC()
	case string:
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"} {
			if tm, err := time.Parse(layout, x); err == nil {
				return tm.UTC()
			}
		}
	}
	t.Fatalf("unreadable time %v (%T)", v, v)
	return time.Time{}
}
