package store_test

import (
	"context"
	"os"
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

// backend opens stores for the conformance suite on dsn's kind of
// database, with the suite's pinned clock.
func backend(newDSN func(t *testing.T) string) storetest.Backend {
	return storetest.Backend{
		NewDSN: newDSN,
		Open: func(t *testing.T, dsn string) *store.Store {
			t.Helper()
			keys, err := secrets.Derive("store-test-master-key-0123456789abcdef")
			if err != nil {
				t.Fatal(err)
			}
			box, err := secrets.NewBox(keys.AtRest)
			if err != nil {
				t.Fatal(err)
			}
			st, err := store.Open(context.Background(), dsn,
				store.Options{Sealer: box, PlainText: markdown.Text, Now: func() time.Time { return storetest.T0 }})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
	}
}

func TestConformanceSQLite(t *testing.T) {
	storetest.RunTests(t, backend(func(t *testing.T) string {
		return "sqlite:" + filepath.Join(t.TempDir(), "helpcenter.db")
	}))
}

func TestConformancePostgres(t *testing.T) {
	if os.Getenv(testdb.PostgresEnv) == "" {
		t.Skip(testdb.PostgresEnv + " is not set: run make test-postgres (CI does) to run the suite on PostgreSQL")
	}
	storetest.RunTests(t, backend(func(t *testing.T) string { return testdb.DSN(t) }))
}

func TestOpenPostgresUnreachable(t *testing.T) {
	keys, _ := secrets.Derive("store-test-master-key-0123456789abcdef")
	box, _ := secrets.NewBox(keys.AtRest)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := store.Open(ctx, "postgres://nobody:x@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", store.Options{Sealer: box, PlainText: markdown.Text, Now: time.Now})
	if err == nil || !strings.Contains(err.Error(), "PostgreSQL is unreachable") {
		t.Fatalf("unreachable PostgreSQL: %v", err)
	}
}

// The embedded default creates its directory on first run.
func TestOpenSQLiteCreatesDirectory(t *testing.T) {
	keys, _ := secrets.Derive("store-test-master-key-0123456789abcdef")
	box, _ := secrets.NewBox(keys.AtRest)
	path := t.TempDir() + "/nested/dir/helpcenter.db"
	st, err := store.Open(context.Background(), "sqlite:"+path, store.Options{Sealer: box, PlainText: markdown.Text, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st.Backend() != "sqlite" {
		t.Fatalf("dialect %q", st.Backend())
	}
}
