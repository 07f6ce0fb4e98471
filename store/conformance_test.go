package store_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"helpcenter/internal/markdown"
	"helpcenter/internal/secrets"
	"helpcenter/internal/testdb"
	"helpcenter/store"
	"helpcenter/store/storetest"
)

// The conformance suite (store/storetest) runs on every backend: the two
// must keep one meaning.

func TestConformanceSQLite(t *testing.T) {
	storetest.RunTests(t, backend(func(t *testing.T) string {
		return "sqlite:" + filepath.Join(t.TempDir(), "hc.db")
	}))
}

func TestConformancePostgres(t *testing.T) {
	if !testdb.Postgres() {
		t.Skip(testdb.PostgresEnv + " is not set: run `make test-postgres` to run the suite on a throw-away PostgreSQL")
	}
	// testdb.DSN gives each subtest a schema of its own in that database.
	storetest.RunTests(t, backend(func(t *testing.T) string {
		dsn := testdb.DSN(t)
		if !strings.HasPrefix(dsn, "postgres") {
			t.Fatalf("testdb.DSN gave %q, not a PostgreSQL database", dsn)
		}
		return dsn
	}))
}

// backend opens the suite's stores on databases newDSN makes, with the
// sealer and plain-text renderer the server uses (which the suite itself
// may not import).
func backend(newDSN func(t *testing.T) string) storetest.Backend {
	return storetest.Backend{
		NewDSN: newDSN,
		Open: func(t *testing.T, dsn string, now func() time.Time) *store.Store {
			t.Helper()
			keys, err := secrets.Derive("test-master-key-0123456789abcdefghijklmnop")
			if err != nil {
				t.Fatal(err)
			}
			box, err := secrets.NewBox(keys.AtRest)
			if err != nil {
				t.Fatal(err)
			}
			st, err := store.Open(context.Background(), dsn, store.Options{Sealer: box, PlainText: markdown.Text, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
	}
}
