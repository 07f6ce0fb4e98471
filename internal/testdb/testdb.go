// Package testdb gives each test a fresh, empty database: SQLite in a
// temporary directory by default, or — when HELPCENTER_TEST_POSTGRES names
// a PostgreSQL database — a schema of its own there. The same tests thus
// run on both backends, as dex's storage conformance tests do.
package testdb

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// PostgresEnv names the PostgreSQL database the tests may use.
const PostgresEnv = "HELPCENTER_TEST_POSTGRES"

// Postgres reports whether the tests run on PostgreSQL.
func Postgres() bool { return os.Getenv(PostgresEnv) != "" }

// DSN returns a HELPCENTER_DATABASE value for a fresh database, dropped
// when the test ends.
func DSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		return "sqlite:" + filepath.Join(t.TempDir(), "helpcenter.db")
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema on %s: %v", PostgresEnv, err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	// pgx sends unknown parameters as run-time settings: every connection
	// of this test's pool lands in its own schema.
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
