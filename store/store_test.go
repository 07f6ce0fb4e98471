package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"helpcenter/internal/markdown"
	"helpcenter/internal/secrets"
	"helpcenter/store"
)

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
