package storetest

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"helpcenter/models"
	"helpcenter/store"
)

func testMigrateIsIdempotent(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	v1, err := st.SchemaVersion(ctx)
	if err != nil || v1 < 2 {
		t.Fatalf("version %d, %v", v1, err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if v2, _ := st.SchemaVersion(ctx); v2 != v1 {
		t.Fatalf("version moved %d → %d", v1, v2)
	}
}

func testCreateWorkspaceConflicts(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	ws, hc, admin, err := st.CreateWorkspace(ctx, store.NewWorkspace{Name: "Acme", Subdomain: "acme", AdminEmail: "Admin@Acme.test", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if hc.WorkspaceID != ws.ID || admin.WorkspaceID != ws.ID || admin.Email != "admin@acme.test" || hc.Visibility != models.VisibilityPublic || hc.TokenTTL != 300 {
		t.Fatalf("created %+v %+v %+v", ws, hc, admin)
	}
	if len(hc.PublicID) < 10 || hc.PublicID == hc.Subdomain {
		t.Fatalf("public id %q", hc.PublicID)
	}
	var conflict *models.ConflictError
	_, _, _, err = st.CreateWorkspace(ctx, store.NewWorkspace{Name: "B", Subdomain: "acme", AdminEmail: "b@b.test", PasswordHash: "x"})
	if !errors.As(err, &conflict) || conflict.Field != "subdomain" || !errors.Is(err, models.ErrConflict) {
		t.Fatalf("taken subdomain: %v", err)
	}
	_, _, _, err = st.CreateWorkspace(ctx, store.NewWorkspace{Name: "B", Subdomain: "bbb", AdminEmail: "ADMIN@acme.test", PasswordHash: "x"})
	if !errors.As(err, &conflict) || conflict.Field != "email" {
		t.Fatalf("taken email: %v", err)
	}
	// A failed signup leaves nothing behind.
	if n, _ := st.CountWorkspaces(ctx); n != 1 {
		t.Fatalf("%d workspaces after refused signups", n)
	}
}

func testConcurrentSignupsOneWinner(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, _, _, err := st.CreateWorkspace(ctx, store.NewWorkspace{Name: "X", Subdomain: "same", AdminEmail: "u" + string(rune('a'+i)) + "@x.test", PasswordHash: "x"})
			if err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			} else if !errors.Is(err, models.ErrConflict) {
				t.Errorf("unexpected error: %v", err)
			}
		}(i)
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d signups won the same subdomain", wins)
	}
}

func testAdminSessions(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	_, _, admin, _ := st.CreateWorkspace(ctx, store.NewWorkspace{Name: "A", Subdomain: "aaa", AdminEmail: "a@a.test", PasswordHash: "x"})
	s1 := &models.AdminSession{IDHash: []byte("11111111111111111111111111111111"), AdminID: admin.ID, WorkspaceID: admin.WorkspaceID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	s2 := &models.AdminSession{IDHash: []byte("22222222222222222222222222222222"), AdminID: admin.ID, WorkspaceID: admin.WorkspaceID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	for _, s := range []*models.AdminSession{s1, s2} {
		if err := st.CreateAdminSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if _, a, err := st.AdminSession(ctx, s1.IDHash, t0.Add(59*time.Minute)); err != nil || a.ID != admin.ID {
		t.Fatalf("live session: %v", err)
	}
	if _, _, err := st.AdminSession(ctx, s1.IDHash, t0.Add(time.Hour)); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("expired session: %v", err)
	}
	if err := st.DeleteAdminSession(ctx, s1.IDHash); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.AdminSession(ctx, s1.IDHash, t0); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("deleted session: %v", err)
	}
	if _, _, err := st.AdminSession(ctx, s2.IDHash, t0); err != nil {
		t.Fatalf("deleting one session ended another: %v", err)
	}
}

func testLoginFailures(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if err := st.RecordLoginFailure(ctx, t0.Add(time.Duration(i)*time.Minute), "ip:1.2.3.4", "email:a@a.test"); err != nil {
			t.Fatal(err)
		}
	}
	times, err := st.LoginFailuresSince(ctx, "ip:1.2.3.4", t0.Add(30*time.Second))
	if err != nil || len(times) != 2 || !times[0].Equal(t0.Add(time.Minute)) {
		t.Fatalf("since: %v %v", times, err)
	}
	if err := st.ClearLoginFailures(ctx, "email:a@a.test", t0); err != nil {
		t.Fatal(err)
	}
	if times, _ := st.LoginFailuresSince(ctx, "email:a@a.test", t0.Add(-time.Hour)); len(times) != 0 {
		t.Fatalf("cleared key still has %d", len(times))
	}
	if times, _ := st.LoginFailuresSince(ctx, "ip:1.2.3.4", t0.Add(-time.Hour)); len(times) != 3 {
		t.Fatalf("other key lost failures: %d", len(times))
	}
	// Clearing one key forgets, in passing, every failure older than
	// before, of any key.
	if err := st.ClearLoginFailures(ctx, "email:b@b.test", t0.Add(90*time.Second)); err != nil {
		t.Fatal(err)
	}
	if times, _ := st.LoginFailuresSince(ctx, "ip:1.2.3.4", t0.Add(-time.Hour)); len(times) != 1 || !times[0].Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("after clearing failures older than 90 s: %v", times)
	}
}

func testCustomDomainsAreVerifiedAndUnique(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	_, a, _, _ := st.CreateWorkspace(ctx, store.NewWorkspace{Name: "A", Subdomain: "aaa", AdminEmail: "a@a.test", PasswordHash: "x"})
	_, b, _, _ := st.CreateWorkspace(ctx, store.NewWorkspace{Name: "B", Subdomain: "bbb", AdminEmail: "b@b.test", PasswordHash: "x"})
	set := func(hc *models.HelpCenter, domain string) error {
		return st.UpdateGeneral(ctx, hc.WorkspaceID, hc.ID, store.GeneralSettings{Name: hc.Name, CustomDomain: domain, Visibility: models.VisibilityPublic})
	}
	// An unverified claim blocks nobody and serves nothing.
	if err := set(a, "help.a.test"); err != nil {
		t.Fatal(err)
	}
	if err := set(b, "help.a.test"); err != nil {
		t.Fatalf("a second unverified claim: %v", err)
	}
	if _, err := st.HelpCenterByCustomDomain(ctx, "help.a.test"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("an unverified domain serves: %v", err)
	}
	a, _ = st.HelpCenterByID(ctx, a.ID)
	if !strings.HasPrefix(a.DomainToken, "helpcenter-verify-") || a.CanonicalDomain() != "" {
		t.Fatalf("new claim: token %q, canonical %q", a.DomainToken, a.CanonicalDomain())
	}
	if err := st.MarkDomainVerified(ctx, a.ID, "help.a.test", "wrong-token"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("verified under another token: %v", err)
	}
	if err := st.MarkDomainVerified(ctx, a.ID, "help.a.test", a.DomainToken); err != nil {
		t.Fatal(err)
	}
	got, err := st.HelpCenterByCustomDomain(ctx, "help.a.test")
	if err != nil || got.ID != a.ID || got.CanonicalDomain() != "help.a.test" {
		t.Fatalf("lookup: %+v %v", got, err)
	}
	// The verification dropped B's claim; B cannot claim it again.
	if b, _ = st.HelpCenterByID(ctx, b.ID); b.CustomDomain != "" {
		t.Fatalf("B still claims %q", b.CustomDomain)
	}
	var conflict *models.ConflictError
	if err := set(b, "help.a.test"); !errors.As(err, &conflict) || conflict.Field != "custom_domain" {
		t.Fatalf("claiming a verified domain: %v", err)
	}
	// Two help centers without a custom domain do not collide on "".
	if err := set(b, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := st.HelpCenterByCustomDomain(ctx, ""); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("empty domain must match nothing: %v", err)
	}
	// Changing the domain starts a new, unverified claim.
	if err := set(got, "docs.a.test"); err != nil {
		t.Fatal(err)
	}
	if a, _ = st.HelpCenterByID(ctx, a.ID); a.CanonicalDomain() != "" || a.DomainToken == got.DomainToken {
		t.Fatalf("a changed domain kept its verification: %+v", a)
	}
}

func testPurge(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	_, hc, _, _ := st.CreateWorkspace(ctx, store.NewWorkspace{Name: "A", Subdomain: "aaa", AdminEmail: "a@a.test", PasswordHash: "x"})
	for i, exp := range []time.Time{t0.Add(-time.Minute), t0.Add(time.Minute)} {
		if err := st.SavePendingKey(ctx, hc.ID, models.PendingKey{Key: "k" + string(rune('0'+i)), BrowserHash: "b", ReturnTo: "/", ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
		st.InSignIn(ctx, func(ctx context.Context, tx *store.SignIn) error {
			_, err := tx.RecordJTI(ctx, hc.ID, "j"+string(rune('0'+i)), exp)
			return err
		})
	}
	n, err := st.Purge(ctx, t0, t0.Add(-90*24*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("purged %d, %v", n, err)
	}
	// The live jti is still taken.
	st.InSignIn(ctx, func(ctx context.Context, tx *store.SignIn) error {
		first, err := tx.RecordJTI(ctx, hc.ID, "j1", t0.Add(time.Hour))
		if err != nil || first {
			t.Fatalf("live jti forgotten: %v %v", first, err)
		}
		return nil
	})
}

// 100 goroutines recording the same jti on real SQLite: exactly one wins.
func testRecordJTIOneWinner(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	_, hc, _, _ := st.CreateWorkspace(ctx, store.NewWorkspace{Name: "A", Subdomain: "aaa", AdminEmail: "a@a.test", PasswordHash: "x"})
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := st.InSignIn(ctx, func(ctx context.Context, tx *store.SignIn) error {
				first, err := tx.RecordJTI(ctx, hc.ID, "the-same-jti", t0.Add(time.Hour))
				if first {
					mu.Lock()
					wins++
					mu.Unlock()
				}
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d winners", wins)
	}
}

// Of concurrent redemptions of one pending key, exactly one consumes it.
func testConsumePendingKeyOnce(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	_, hc, _, _ := st.CreateWorkspace(ctx, store.NewWorkspace{Name: "A", Subdomain: "aaa", AdminEmail: "a@a.test", PasswordHash: "x"})
	key, _ := newPendingKey("browser-one", "/page?x=1", t0)
	if err := st.SavePendingKey(ctx, hc.ID, key); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	consumed := 0
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := st.InSignIn(ctx, func(ctx context.Context, tx *store.SignIn) error {
				to, ok, err := tx.ConsumePendingKey(ctx, hc.ID, key.Key, key.BrowserHash, t0.Add(time.Minute))
				if ok {
					mu.Lock()
					consumed++
					mu.Unlock()
					if to != "/page?x=1" {
						t.Errorf("return_to %q", to)
					}
				}
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if consumed != 1 {
		t.Fatalf("consumed %d times", consumed)
	}
	// Another browser's hash or an expired key never consumes.
	key2, _ := newPendingKey("browser-one", "/", t0)
	st.SavePendingKey(ctx, hc.ID, key2)
	st.InSignIn(ctx, func(ctx context.Context, tx *store.SignIn) error {
		if _, ok, _ := tx.ConsumePendingKey(ctx, hc.ID, key2.Key, hashBrowser("browser-two"), t0); ok {
			t.Error("consumed for another browser")
		}
		if live, _ := tx.PendingKeyLive(ctx, hc.ID, key2.Key, t0); !live {
			t.Error("key not live")
		}
		if _, ok, _ := tx.ConsumePendingKey(ctx, hc.ID, key2.Key, key2.BrowserHash, t0.Add(pendingKeyLifetime)); ok {
			t.Error("consumed after 10 minutes")
		}
		return nil
	})
}

// Events older than the retention age go, in batches; newer ones stay.
func testPurgeEventsInBatches(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	_, hc, _, _ := st.CreateWorkspace(ctx, store.NewWorkspace{Name: "A", Subdomain: "aaa", AdminEmail: "a@a.test", PasswordHash: "x"})
	old := func(yield func(models.Event) bool) {
		for i := range 2500 {
			if !yield(models.Event{CreatedAt: t0.Add(-100*24*time.Hour + time.Duration(i)*time.Second), Event: models.EventRedirectSucceeded}) {
				return
			}
		}
	}
	if _, err := st.InsertEvents(ctx, hc.ID, old); err != nil {
		t.Fatal(err)
	}
	if err := st.LogEvent(ctx, &models.Event{HelpCenterID: hc.ID, CreatedAt: t0, Event: models.EventRedirectSucceeded}); err != nil {
		t.Fatal(err)
	}
	n, err := st.Purge(ctx, t0, t0.Add(-90*24*time.Hour))
	if err != nil || n != 2500 {
		t.Fatalf("purged %d, %v", n, err)
	}
	left := 0
	st.EachEvent(ctx, hc.ID, store.EventFilter{}, 100, func(models.Event) error { left++; return nil })
	if left != 1 {
		t.Fatalf("%d events left", left)
	}
}

// Reads see every committed write, also after the background checkpoint
// has run (a statement it left unfinished once pinned a reader to an old
// snapshot).
func testReadsSeeWritesAcrossCheckpoints(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	for i, sub := range []string{"first", "second"} {
		if _, _, _, err := st.CreateWorkspace(ctx, store.NewWorkspace{Name: sub, Subdomain: sub, AdminEmail: sub + "@x.test", PasswordHash: "x"}); err != nil {
			t.Fatal(err)
		}
		// Ask several times: the reader pool has several connections.
		for j := 0; j < 16; j++ {
			if n, err := st.CountWorkspaces(ctx); err != nil || n != int64(i+1) {
				t.Fatalf("after %d writes a read sees %d workspaces (%v)", i+1, n, err)
			}
		}
		if err := st.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// A caller that goes away while its transaction runs in a group commit
// does not interrupt the database: its statements, and the others of the
// batch, complete.
func testCancelledCallerDoesNotInterruptTheWriter(t *testing.T, be Backend) {
	st := fresh(t, be)
	_, hc, _, _ := st.CreateWorkspace(context.Background(), store.NewWorkspace{Name: "A", Subdomain: "aaa", AdminEmail: "a@a.test", PasswordHash: "x"})
	ctx, cancel := context.WithCancel(context.Background())
	err := st.InSignIn(ctx, func(ctx context.Context, tx *store.SignIn) error {
		cancel()
		_, err := tx.RecordJTI(ctx, hc.ID, "after-cancel", t0.Add(time.Hour))
		return err
	})
	if st.Backend() != "sqlite" {
		return // one transaction per caller there: cancelling it is its own business
	}
	if err != nil {
		t.Fatalf("a cancelled caller's statement failed in the batch: %v", err)
	}
	st.InSignIn(context.Background(), func(ctx context.Context, tx *store.SignIn) error {
		if first, _ := tx.RecordJTI(context.Background(), hc.ID, "after-cancel", t0.Add(time.Hour)); first {
			t.Error("the jti was not recorded")
		}
		return nil
	})
}

// SQLite's write-ahead log stays near its limit however much is written,
// with readers holding snapshots all along (which kept the passive
// checkpoint from ever restarting it: the file grew without end).
func testWriteAheadLogStaysBounded(t *testing.T, be Backend) {
	st := fresh(t, be)
	if st.Backend() != "sqlite" {
		return // PostgreSQL bounds its own WAL (max_wal_size)
	}
	ctx := context.Background()
	_, hc, _, _ := st.CreateWorkspace(ctx, store.NewWorkspace{Name: "A", Subdomain: "aaa", AdminEmail: "a@a.test", PasswordHash: "x"})
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 4 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				st.EachEvent(ctx, hc.ID, store.EventFilter{}, 50, func(models.Event) error { return nil })
			}
		}()
	}
	detail := strings.Repeat("x", 4000)
	var largest int64
	const batches = 100 // about 1 MB of log each: three times the limit in all
	for b := range batches {
		rows := func(yield func(models.Event) bool) {
			for i := range 250 {
				if !yield(models.Event{CreatedAt: t0.Add(time.Duration(b*250+i) * time.Millisecond), Event: models.EventRedirectRejected, Reason: "bad_signature", Detail: detail}) {
					return
				}
			}
		}
		if _, err := st.InsertEvents(ctx, hc.ID, rows); err != nil {
			t.Fatal(err)
		}
		size, err := st.WALSize()
		if err != nil {
			t.Fatal(err)
		}
		largest = max(largest, size)
	}
	close(stop)
	readers.Wait()
	// Past the limit the writer restarts the log as soon as readers and the
	// passive checkpoint let it; past one and a half times it waits for
	// them. On a loaded machine it may take the second path: a
	// transaction's worth above that is the bound.
	if bound := int64(store.DefaultWALLimit*3/2 + 4<<20); largest > bound {
		t.Fatalf("the write-ahead log reached %d bytes, past %d, after %d MB of events", largest, bound, batches*250*len(detail)>>20)
	}
	if largest < store.DefaultWALLimit/2 {
		t.Fatalf("the write-ahead log only reached %d bytes: the test wrote too little to reach the limit", largest)
	}
}

// HelpCenterByID and LiveKeys, on every sign-in's path, read their rows
// without gorm; they must read every column exactly as gorm's reads of
// the same rows do (a column added to the model and not to their lists
// fails here).
func testSignInReadsMatchGorm(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	_, hc, _, _ := st.CreateWorkspace(ctx, store.NewWorkspace{Name: "A", Subdomain: "aaa", AdminEmail: "a@a.test", PasswordHash: "x"})
	if err := st.UpdateGeneral(ctx, hc.WorkspaceID, hc.ID, store.GeneralSettings{Name: "Acme Help", CustomDomain: "help.a.test", Visibility: models.VisibilityPassword}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetVisibility(ctx, hc.ID, models.VisibilityPassword, "site-password-hash"); err != nil {
		t.Fatal(err)
	}
	claimed, _ := st.HelpCenterBySubdomain(ctx, "aaa")
	if err := st.MarkDomainVerified(ctx, hc.ID, "help.a.test", claimed.DomainToken); err != nil {
		t.Fatal(err)
	}
	if err := st.UpdateSSOSettings(ctx, hc.WorkspaceID, hc.ID, store.SSOUpdate{Settings: models.SSOSettings{
		LoginURL: "https://a.test/login", LogoutURL: "https://a.test/logout", Issuer: "iss", Audience: "aud", TokenTTL: 120,
		AllowUnsolicited: true, ReportOnly: true, InviteOnly: true, AllowedDomains: "a.test", SessionLength: 3600,
	}, Enable: true, NewSecret: "a-shared-secret-of-enough-length-0123456789"}); err != nil {
		t.Fatal(err)
	}
	byGorm, err := st.HelpCenterBySubdomain(ctx, "aaa")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := st.HelpCenterByID(ctx, hc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(raw, byGorm) {
		t.Fatalf("HelpCenterByID read\n%+v\ngorm reads\n%+v", *raw, *byGorm)
	}
	if raw.DomainVerifiedAt == nil || !raw.SSOEnabled || raw.SessionLength != 3600 || raw.SitePasswordHash == "" {
		t.Fatalf("the row was not filled in: %+v", *raw)
	}
	if _, err := st.HelpCenterByID(ctx, hc.ID+1000); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}

	live, err := st.LiveKeys(ctx, hc.ID, t0)
	if err != nil || len(live) != 1 {
		t.Fatalf("live keys %d, %v", len(live), err)
	}
	all, err := st.Keys(ctx, hc.ID, t0)
	if err != nil || len(all) != 1 {
		t.Fatalf("keys %d, %v", len(all), err)
	}
	// Keys leaves the sealed secret unread and counts the key's use.
	got, want := live[0], all[0]
	if got.Secret != "a-shared-secret-of-enough-length-0123456789" || len(got.SecretSealed) == 0 {
		t.Fatalf("secret not opened: %+v", got)
	}
	got.SecretSealed, got.Secret, want.Verified24h = nil, "", 0
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("LiveKeys read\n%+v\ngorm reads\n%+v", got, want)
	}
}

// The database bumps a help center's keys_version on every change to its
// keys — added, retired, revoked — and not when their use is counted, so
// an instance can keep keys in memory while the fresh row shows the
// version they were read at.
func testKeysVersionFollowsKeyChanges(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	_, hc, _, _ := st.CreateWorkspace(ctx, store.NewWorkspace{Name: "A", Subdomain: "aaa", AdminEmail: "a@a.test", PasswordHash: "x"})
	_, other, _, _ := st.CreateWorkspace(ctx, store.NewWorkspace{Name: "B", Subdomain: "bbb", AdminEmail: "b@b.test", PasswordHash: "x"})
	version := func(id int64) int64 {
		t.Helper()
		got, err := st.HelpCenterByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return got.KeysVersion
	}
	last := version(hc.ID)
	changed := func(what string) {
		t.Helper()
		if v := version(hc.ID); v == last {
			t.Fatalf("%s: keys_version stayed %d", what, v)
		} else {
			last = v
		}
	}
	first, err := st.AddKey(ctx, hc.WorkspaceID, hc.ID, store.NewKey{Kind: models.KeySecret, Alg: models.AlgHS256, Label: "First", Secret: "the-first-secret-0123456789abcdefghijklmnop"})
	if err != nil {
		t.Fatal(err)
	}
	changed("a key added")
	if _, err := st.AddKey(ctx, hc.WorkspaceID, hc.ID, store.NewKey{Kind: models.KeySecret, Alg: models.AlgHS256, Label: "Second",
		Secret: "the-second-secret-0123456789abcdefghijklmn", Retire: store.RetireSecrets, Grace: time.Hour}); err != nil {
		t.Fatal(err)
	}
	changed("a key added, the first retiring")
	st.NoteKeyUse(first.ID, t0)
	if err := st.FlushKeyUsage(ctx); err != nil {
		t.Fatal(err)
	}
	if v := version(hc.ID); v != last {
		t.Fatalf("counting a key's use moved keys_version %d → %d", last, v)
	}
	if err := st.RevokeKey(ctx, hc.WorkspaceID, hc.ID, first.ID, "a@a.test"); err != nil {
		t.Fatal(err)
	}
	changed("a key revoked")
	if v := version(other.ID); v != 0 {
		t.Fatalf("another help center's keys_version moved to %d", v)
	}
}

// /healthz's schema check: a database this release has not migrated is
// behind it (ErrSchemaBehind, saying what to run); once migrated it is
// current, and the probe's write goes through.
func testSchemaCurrentAndProbeWrite(t *testing.T, be Backend) {
	ctx := context.Background()
	dsn := be.NewDSN(t)
	bare := be.Open(t, dsn, func() time.Time { return t0 })
	if err := bare.SchemaCurrent(ctx); !errors.Is(err, store.ErrSchemaBehind) || !strings.Contains(err.Error(), "run helpcenter migrate") {
		t.Fatalf("an empty database: %v", err)
	}
	if err := bare.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := bare.SchemaCurrent(ctx); err != nil {
		t.Fatalf("migrated: %v", err)
	}
	for range 2 {
		if err := bare.ProbeWrite(ctx); err != nil {
			t.Fatalf("probe write: %v", err)
		}
	}
}
