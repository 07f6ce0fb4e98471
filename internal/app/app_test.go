package app

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"helpcenter/internal/config"
	"helpcenter/internal/secrets"
	"helpcenter/internal/testdb"
	"helpcenter/models"
	"helpcenter/store"
)

func options(t *testing.T, dsn string) Options {
	t.Helper()
	env := map[string]string{
		"HELPCENTER_BASE_URL":   "http://localhost:8080",
		"HELPCENTER_DATABASE":   dsn,
		"HELPCENTER_SECRET_KEY": "test-master-key-0123456789abcdefghijklmnop",
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	keys, err := secrets.Derive(cfg.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	return Options{Config: cfg, Keys: keys, Now: time.Now,
		Intervals: Intervals{Purge: 10 * time.Millisecond, Checkpoint: 10 * time.Millisecond, RevocationSync: 10 * time.Millisecond, KeyUsage: 10 * time.Millisecond, Mail: 10 * time.Millisecond, Alerts: 10 * time.Millisecond, Webhooks: 10 * time.Millisecond}}
}

// Instances started together on one fresh database all come up, and the
// schema is migrated once (SPEC section 2).
func TestInstancesStartTogether(t *testing.T) {
	t.Parallel()
	o := options(t, testdb.DSN(t))
	const n = 4
	apps := make([]*App, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			apps[i], errs[i] = Open(context.Background(), o)
		}()
	}
	wg.Wait()
	versions := map[int]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("instance %d did not come up: %v", i, errs[i])
		}
		v, err := apps[i].Store.SchemaVersion(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		versions[v] = true
		if err := apps[i].Stop(context.Background()); err != nil {
			t.Errorf("stop instance %d: %v", i, err)
		}
	}
	if len(versions) != 1 {
		t.Fatalf("instances see different schema versions: %v", versions)
	}
}

// Stop waits for the background jobs, then closes the store: a write after
// it fails with store.ErrClosed instead of hanging.
func TestStopWaitsForJobsAndClosesTheStore(t *testing.T) {
	t.Parallel()
	a, err := Open(context.Background(), options(t, testdb.DSN(t)))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err == nil {
		t.Error("a second Start was accepted")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	err = a.Store.LogEvent(context.Background(), &models.Event{HelpCenterID: 1, CreatedAt: time.Now(), Event: models.EventRedirectRejected})
	if !errors.Is(err, store.ErrClosed) {
		t.Fatalf("a write after Stop: %v, want store.ErrClosed", err)
	}
}
