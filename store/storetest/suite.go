package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"helpcenter/models"
	"helpcenter/store"
)

func workspace(t *testing.T, st *store.Store, sub string) *models.HelpCenter {
	t.Helper()
	_, hc, _, err := st.CreateWorkspace(context.Background(), store.NewWorkspace{
		Name: sub, Subdomain: sub, AdminEmail: sub + "@example.com", PasswordHash: "x",
	})
	if err != nil {
		t.Fatal(err)
	}
	return hc
}

// Instances starting together on one fresh database migrate it once, and
// all come up at the latest version (SPEC section 2).
func testConcurrentMigrations(t *testing.T, be Backend) {
	latest, err := fresh(t, be).SchemaVersion(context.Background())
	if err != nil || latest == 0 {
		t.Fatalf("a migrated database is at version %d (%v)", latest, err)
	}
	dsn := be.NewDSN(t)
	const n = 6
	stores := make([]*store.Store, n)
	for i := range stores {
		stores[i] = be.Open(t, dsn, func() time.Time { return t0 })
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, st := range stores {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = st.Migrate(context.Background()) }()
	}
	wg.Wait()
	for i, st := range stores {
		if errs[i] != nil {
			t.Fatalf("migration %d of %d failed: %v", i+1, n, errs[i])
		}
		if v, err := st.SchemaVersion(context.Background()); err != nil || v != latest {
			t.Fatalf("instance %d at version %d (%v), want %d", i, v, err, latest)
		}
	}
	// The schema works: one workspace, seen by every instance.
	workspace(t, stores[0], "acme")
	for i, st := range stores {
		if n, err := st.CountWorkspaces(context.Background()); err != nil || n != 1 {
			t.Fatalf("instance %d sees %d workspaces (%v)", i, n, err)
		}
	}
}

func testChangeAdminPassword(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	_, _, admin, err := st.CreateWorkspace(ctx, store.NewWorkspace{Name: "A", Subdomain: "aaa", AdminEmail: "a@a.test", PasswordHash: "old"})
	if err != nil {
		t.Fatal(err)
	}
	old := &models.AdminSession{IDHash: []byte("old-session-0123456789abcdef0123"), AdminID: admin.ID, WorkspaceID: admin.WorkspaceID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := st.CreateAdminSession(ctx, old); err != nil {
		t.Fatal(err)
	}
	next := &models.AdminSession{IDHash: []byte("new-session-0123456789abcdef0123"), AdminID: admin.ID, WorkspaceID: admin.WorkspaceID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := st.ChangeAdminPassword(ctx, admin.WorkspaceID+1, admin.ID, "new", next); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("another workspace's admin: %v", err)
	}
	if err := st.ChangeAdminPassword(ctx, admin.WorkspaceID, admin.ID, "new", next); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.AdminSession(ctx, old.IDHash, t0); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("the old session survived a password change: %v", err)
	}
	if _, a, err := st.AdminSession(ctx, next.IDHash, t0); err != nil || a.PasswordHash != "new" {
		t.Fatalf("new session: %+v %v", a, err)
	}
}

func testSSOSettingsAndSealedSecret(t *testing.T, be Backend) {
	st, dsn := freshDSN(t, be)
	ctx := context.Background()
	hc := workspace(t, st, "acme")
	other := workspace(t, st, "globex")
	if live, err := st.LiveKeys(ctx, hc.ID, t0); err != nil || len(live) != 0 {
		t.Fatalf("keys before one was saved: %+v %v", live, err)
	}
	settings := models.SSOSettings{LoginURL: "https://app.acme.test/login", Issuer: "acme", TokenTTL: 300}
	if err := st.UpdateSSOSettings(ctx, hc.WorkspaceID, hc.ID, store.SSOUpdate{Settings: settings, NewSecret: "acme-secret-0123456789abcdefghijklmnop", Enable: true, Actor: "a@a.test", Action: "JWT settings applied"}); err != nil {
		t.Fatal(err)
	}
	if err := st.UpdateSSOSettings(ctx, hc.WorkspaceID, other.ID, store.SSOUpdate{Settings: settings}); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("saved into another workspace's help center: %v", err)
	}
	got, _ := st.HelpCenterByID(ctx, hc.ID)
	if !got.SSOEnabled || got.SSOSettings() != settings {
		t.Fatalf("saved %+v", got)
	}
	if s := secretOf(t, st, hc.ID); s != "acme-secret-0123456789abcdefghijklmnop" {
		t.Fatalf("secret %q", s)
	}
	if sealed := sealedSecrets(t, dsn, hc.ID); len(sealed) != 1 || bytesContain(sealed[0], "acme-secret") {
		t.Fatalf("the secret must be stored sealed: %q", sealed)
	}
	// A sealed secret copied into another help center's key row does not
	// open there.
	copySealedSecret(t, dsn, hc.ID, other.ID)
	if _, err := st.LiveKeys(ctx, other.ID, t0); err == nil {
		t.Fatal("a secret opened in another help center's row")
	}
	if _, err := st.AddKey(ctx, hc.WorkspaceID, hc.ID, store.NewKey{Kind: models.KeySecret, Alg: models.AlgHS256, Label: "Shared secret",
		Secret: "acme-secret-2-0123456789abcdefghijklmn", Retire: store.RetireSecrets, Actor: "a@a.test", Audit: "Secret regenerated"}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetSSOEnabled(ctx, hc.WorkspaceID, hc.ID, false, "a@a.test"); err != nil {
		t.Fatal(err)
	}
	got, _ = st.HelpCenterByID(ctx, hc.ID)
	if s := secretOf(t, st, hc.ID); s != "acme-secret-2-0123456789abcdefghijklmn" || got.SSOEnabled {
		t.Fatalf("after regenerate and switch-off: %q %v", s, got.SSOEnabled)
	}
	audit, err := st.AuditLog(ctx, hc.ID, 10)
	if err != nil || len(audit) != 3 {
		t.Fatalf("audit %+v %v", audit, err)
	}
	for _, e := range audit {
		if strings.Contains(e.Action, "acme-secret") {
			t.Fatalf("the audit log holds the secret: %q", e.Action)
		}
	}
	if other, _ := st.AuditLog(ctx, other.ID, 10); len(other) != 0 {
		t.Fatal("another help center sees the audit entries")
	}
}

func bytesContain(b []byte, s string) bool { return strings.Contains(string(b), s) }

func testWidgetOrigins(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	hc, other := workspace(t, st, "acme"), workspace(t, st, "globex")
	origins := []string{"https://app.acme.test", "http://localhost:3000"}
	if err := st.SetWidgetOrigins(ctx, hc.WorkspaceID, hc.ID, origins); err != nil {
		t.Fatal(err)
	}
	if got, err := st.WidgetOrigins(ctx, hc.ID); err != nil || !slices.Equal(got, origins) {
		t.Fatalf("origins %v %v (order is kept)", got, err)
	}
	for origin, want := range map[string]bool{"https://app.acme.test": true, "https://APP.acme.test": false, "https://evil.test": false} {
		if ok, err := st.WidgetOriginAllowed(ctx, hc.ID, origin); err != nil || ok != want {
			t.Errorf("allowed(%s) = %v %v", origin, ok, err)
		}
	}
	if ok, _ := st.WidgetOriginAllowed(ctx, other.ID, "https://app.acme.test"); ok {
		t.Error("another help center allows acme's origin")
	}
	if err := st.SetWidgetOrigins(ctx, hc.WorkspaceID, hc.ID, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.WidgetOrigins(ctx, hc.ID); len(got) != 0 {
		t.Fatalf("origins after clearing: %v", got)
	}
}

func testProviderWishes(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	_, hc, admin, _ := st.CreateWorkspace(ctx, store.NewWorkspace{Name: "A", Subdomain: "aaa", AdminEmail: "a@a.test", PasswordHash: "x"})
	for range 2 {
		if err := st.RecordProviderWish(ctx, admin.ID, hc.ID, "saml"); err != nil {
			t.Fatal(err)
		}
	}
	w, err := st.ProviderWishes(ctx, admin.ID)
	if err != nil || len(w) != 1 || !w["saml"] {
		t.Fatalf("wishes %v %v", w, err)
	}
	if w, _ := st.ProviderWishes(ctx, admin.ID+1); len(w) != 0 {
		t.Fatalf("another admin's wishes: %v", w)
	}
}

func testBindWidgetJTI(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	hc := workspace(t, st, "acme")
	bind := func(jti, instance string) models.JTIHolder {
		var h models.JTIHolder
		if err := st.InSignIn(ctx, func(ctx context.Context, tx *store.SignIn) error {
			var err error
			h, err = tx.BindWidgetJTI(ctx, hc.ID, jti, instance, t0.Add(time.Hour))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return h
	}
	if h := bind("w1", "instance-a"); !h.Widget || !h.SameInstance {
		t.Fatalf("first use: %+v", h)
	}
	if h := bind("w1", "instance-a"); !h.Widget || !h.SameInstance {
		t.Fatalf("same instance again: %+v", h)
	}
	if h := bind("w1", "instance-b"); !h.Widget || h.SameInstance {
		t.Fatalf("another instance: %+v", h)
	}
	st.InSignIn(ctx, func(ctx context.Context, tx *store.SignIn) error {
		_, err := tx.RecordJTI(ctx, hc.ID, "r1", t0.Add(time.Hour))
		return err
	})
	if h := bind("r1", "instance-a"); h.Widget {
		t.Fatalf("a jti the redirect flow took: %+v", h)
	}
	// Concurrent first uses by several instances: exactly one holds it.
	var wg sync.WaitGroup
	holders := make([]models.JTIHolder, 10)
	errs := make([]error, len(holders))
	for i := range holders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.InSignIn(ctx, func(ctx context.Context, tx *store.SignIn) error {
				var err error
				holders[i], err = tx.BindWidgetJTI(ctx, hc.ID, "w2", fmt.Sprintf("instance-%d", i), t0.Add(time.Hour))
				return err
			})
		}()
	}
	wg.Wait()
	n := 0
	for i, h := range holders {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !h.Widget {
			t.Fatalf("instance %d: the widget's jti is held by the redirect flow: %+v", i, h)
		}
		if h.SameInstance {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d instances hold one jti", n)
	}
	// A jti a widget bound is taken for the redirect flow too.
	if recordJTI(t, st, hc.ID, "w1") {
		t.Fatal("the redirect flow took a jti a widget holds")
	}
}

func provision(t *testing.T, st *store.Store, hcID int64, p models.Profile) models.ProvisionedUser {
	t.Helper()
	var u models.ProvisionedUser
	if err := st.InSignIn(context.Background(), func(ctx context.Context, tx *store.SignIn) error {
		var err error
		u, err = tx.ProvisionUser(ctx, hcID, p, true, t0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return u
}

func testProvisionUser(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	hc, other := workspace(t, st, "acme"), workspace(t, st, "globex")
	first := provision(t, st, hc.ID, models.Profile{ExternalID: "42", Email: "Jane@Example.com", Name: "Jane", Lang: "pt-BR", Role: models.RoleEditor,
		CustomFields: []byte(`{"plan":"pro"}`), Groups: []string{"beta", "staff"}})
	if u, _ := st.UserByEmail(ctx, hc.ID, "jane@example.com"); u.Groups != `["beta","staff"]` || u.Role != models.RoleEditor {
		t.Fatalf("groups and role of the first token: %q %q", u.Groups, u.Role)
	}
	again := provision(t, st, hc.ID, models.Profile{ExternalID: "42", Email: "jane.new@example.com", Name: "Jane N.", Role: models.RoleViewer, KeepLang: true, KeepAvatar: true, KeepCustom: true})
	if again.ID != first.ID || again.Banned {
		t.Fatalf("external_id did not find the same user: %+v %+v", first, again)
	}
	u, err := st.UserByEmail(ctx, hc.ID, "JANE.NEW@example.com")
	if err != nil || u.Name != "Jane N." || u.Lang != "pt-BR" || u.Role != models.RoleViewer || u.Groups != "[]" || !strings.Contains(u.CustomFields, "pro") {
		t.Fatalf("refreshed %+v %v", u, err)
	}
	provision(t, st, hc.ID, models.Profile{ExternalID: "42", Email: "jane.new@example.com", Name: "Jane N.", Role: models.RoleViewer, KeepAvatar: true})
	if u, _ = st.UserByEmail(ctx, hc.ID, "jane.new@example.com"); u.Lang != "" || u.CustomFields != "{}" {
		t.Fatalf("a token naming lang and custom_fields as empty did not clear them: %+v", u)
	}
	// By email, case-insensitively, without external_id; then adoption.
	bob := provision(t, st, hc.ID, models.Profile{Email: "BOB@example.com", Name: "Bob", Role: models.RoleViewer})
	if b2 := provision(t, st, hc.ID, models.Profile{Email: "bob@EXAMPLE.com", Name: "Bobby", Role: models.RoleViewer}); b2.ID != bob.ID {
		t.Fatal("the same email made a second user")
	}
	if b3 := provision(t, st, hc.ID, models.Profile{ExternalID: "b-1", Email: "bob@example.com", Name: "Bob", Role: models.RoleViewer}); b3.ID != bob.ID {
		t.Fatal("a first external_id did not adopt the user with its email")
	}
	// Tenancy: the same external_id on another help center is another user.
	if o := provision(t, st, other.ID, models.Profile{ExternalID: "42", Email: "jane@example.com", Name: "J", Role: models.RoleViewer}); o.ID == first.ID {
		t.Fatal("a user was shared across help centers")
	}
}

// Two first sign-ins of one new email at once make one user, on every
// backend (SPEC section 5).
func testTwoFirstSignInsOfOneEmail(t *testing.T, be Backend) {
	st, dsn := freshDSN(t, be)
	ctx := context.Background()
	hc := workspace(t, st, "acme")
	// Where transactions run side by side (not SQLite's one writer, which
	// runs them one after another, so a barrier there would only wait),
	// every sign-in first waits until all have begun: the lookups of all
	// of them then race, as they do when a user double-clicks.
	sideBySide := st.Backend() != "sqlite"
	for round, p := range []models.Profile{
		{Email: "new@example.com", Name: "New", Role: models.RoleViewer},
		{Email: "New@Example.com", Name: "New", Role: models.RoleViewer}, // the user of round 0
		{ExternalID: "x-1", Email: "ext@example.com", Name: "Ext", Role: models.RoleViewer},
	} {
		const n = 8
		var begun sync.WaitGroup
		begun.Add(n)
		all := make(chan struct{})
		go func() { begun.Wait(); close(all) }()
		ids := make([]int64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = st.InSignIn(ctx, func(ctx context.Context, tx *store.SignIn) error {
					if sideBySide {
						begun.Done()
						select {
						case <-all:
						case <-time.After(5 * time.Second):
							return errors.New("the sign-ins never ran side by side")
						}
					}
					u, err := tx.ProvisionUser(ctx, hc.ID, p, true, t0)
					ids[i] = u.ID
					return err
				})
			}()
		}
		wg.Wait()
		for i := range ids {
			if errs[i] != nil {
				t.Fatalf("round %d: sign-in %d failed: %v", round, i, errs[i])
			}
			if ids[i] != ids[0] {
				t.Fatalf("round %d: concurrent first sign-ins made users %v", round, ids)
			}
		}
		want := map[int]int64{0: 1, 1: 1, 2: 2}[round]
		if got := CountRows(t, dsn, "users"); got != want {
			t.Fatalf("round %d: %d user rows, want %d: one email made more than one user", round, got, want)
		}
	}
}

func testSessionsAndRevocations(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	hc, other := workspace(t, st, "acme"), workspace(t, st, "globex")
	u := provision(t, st, hc.ID, models.Profile{Email: "jane@example.com", Name: "Jane", Role: models.RoleViewer})
	open := func(id string, old []byte) *models.VisitorSession {
		s := &models.VisitorSession{IDHash: []byte(id + strings.Repeat("-", 32-len(id))), HelpCenterID: hc.ID, UserID: u.ID, JTI: "jti-" + id,
			ReturnTo: "/x", CreatedAt: t0, ExpiresAt: t0.Add(12 * time.Hour)}
		if err := st.InSignIn(ctx, func(ctx context.Context, tx *store.SignIn) error { return tx.OpenSession(ctx, old, s) }); err != nil {
			t.Fatal(err)
		}
		return s
	}
	s1 := open("one", nil)
	got, user, err := st.VisitorSession(ctx, hc.ID, s1.IDHash, t0)
	if err != nil || got.JTI != "jti-one" || got.ReturnTo != "/x" || user.ID != u.ID {
		t.Fatalf("session %+v %+v %v", got, user, err)
	}
	if _, _, err := st.VisitorSession(ctx, other.ID, s1.IDHash, t0); !errors.Is(err, models.ErrNotFound) {
		t.Fatal("a session was visible on another help center")
	}
	if _, _, err := st.VisitorSession(ctx, hc.ID, s1.IDHash, t0.Add(13*time.Hour)); !errors.Is(err, models.ErrNotFound) {
		t.Fatal("an expired session was found")
	}
	// Rotation ends the old session and records its revocation.
	s2 := open("two", s1.IDHash)
	if _, _, err := st.VisitorSession(ctx, hc.ID, s1.IDHash, t0); !errors.Is(err, models.ErrNotFound) {
		t.Fatal("the rotated session survived")
	}
	if err := st.EndVisitorSession(ctx, hc.ID, s2.IDHash); err != nil {
		t.Fatal(err)
	}
	revs, err := st.RevocationsSince(ctx, 0, t0.Add(-time.Hour), t0)
	if err != nil || len(revs) != 2 {
		t.Fatalf("revocations %+v %v", revs, err)
	}
	after, _ := st.RevocationsSince(ctx, revs[1].ID, t0.Add(time.Hour), t0)
	if len(after) != 0 {
		t.Fatalf("revocations after the last: %+v", after)
	}
	if gone, _ := st.RevocationsSince(ctx, 0, t0.Add(-time.Hour), t0.Add(13*time.Hour)); len(gone) != 0 {
		t.Fatal("revocations of expired sessions are still listed")
	}
}

// A ban holds, and nothing from a refused token changes the banned user.
func testBansHoldAgainstTokens(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	hc := workspace(t, st, "acme")
	// Banning an email nobody signed in with creates a banned placeholder.
	if n, created, err := st.SetUserBanned(ctx, hc.ID, "Eve@Example.com", true); err != nil || n != 1 || !created {
		t.Fatalf("ban before first sign-in: %d %v %v", n, created, err)
	}
	for _, p := range []models.Profile{
		{Email: "eve@example.com", Name: "Eve", Role: models.RoleAdmin},
		{ExternalID: "e-1", Email: "EVE@example.com", Name: "Eve", Role: models.RoleAdmin},
	} {
		if u := provision(t, st, hc.ID, p); !u.Banned {
			t.Fatalf("banned email signed in with %+v", p)
		}
	}
	m := provision(t, st, hc.ID, models.Profile{ExternalID: "m-1", Email: "mallory@example.com", Name: "Mallory", Role: models.RoleViewer})
	st.SetUserBanned(ctx, hc.ID, "mallory@example.com", true)
	if u := provision(t, st, hc.ID, models.Profile{ExternalID: "m-1", Email: "other@example.com", Name: "Not Mallory", Role: models.RoleViewer}); !u.Banned || u.ID != m.ID {
		t.Fatalf("banned external_id: %+v", u)
	}
	if u, err := st.UserByEmail(ctx, hc.ID, "mallory@example.com"); err != nil || u.Name != "Mallory" || !u.Banned {
		t.Fatalf("a refused token rewrote the banned user: %+v %v", u, err)
	}
	if n, _, _ := st.SetUserBanned(ctx, hc.ID, "mallory@example.com", false); n != 1 {
		t.Fatal("unban found no user")
	}
	if u := provision(t, st, hc.ID, models.Profile{ExternalID: "m-1", Email: "mallory@example.com", Name: "Mallory", Role: models.RoleViewer}); u.Banned {
		t.Fatal("unbanned user still refused")
	}
}

// Keyset paging of the Logs view: pages neither overlap nor skip, newest
// first, however rows tie on time, and filters hold on every page.
func testEventsKeysetPaging(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	hc, other := workspace(t, st, "acme"), workspace(t, st, "globex")
	var evs []models.Event
	for i := range 23 {
		e := models.Event{CreatedAt: t0.Add(time.Duration(i/3) * time.Minute), Event: models.EventRedirectRejected, Reason: "jwt_expired",
			Detail: fmt.Sprint(i), Email: "jane@example.com"}
		if i%4 == 0 {
			e.Event, e.Reason, e.Email = models.EventRedirectSucceeded, "", "Bob@Example.com"
		}
		evs = append(evs, e)
	}
	if _, err := st.InsertEvents(ctx, hc.ID, slices.Values(evs)); err != nil {
		t.Fatal(err)
	}
	st.InsertEvents(ctx, other.ID, slices.Values(evs[:3]))
	walk := func(f store.EventFilter) []models.Event {
		var all []models.Event
		var after *store.EventCursor
		for range 20 {
			page, err := st.Events(ctx, hc.ID, f, after, 5)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, page...)
			if len(page) < 5 {
				return all
			}
			c := store.Cursor(page[len(page)-1])
			after = &c
		}
		t.Fatal("paging does not end")
		return nil
	}
	all := walk(store.EventFilter{})
	if len(all) != 23 {
		t.Fatalf("%d events over the pages, want 23", len(all))
	}
	seen := map[int64]bool{}
	for i, e := range all {
		if seen[e.ID] || e.HelpCenterID != hc.ID {
			t.Fatalf("event %d repeated or of another help center", e.ID)
		}
		seen[e.ID] = true
		if i > 0 && (e.CreatedAt.After(all[i-1].CreatedAt) || e.CreatedAt.Equal(all[i-1].CreatedAt) && e.ID > all[i-1].ID) {
			t.Fatal("not newest first")
		}
	}
	if got := walk(store.EventFilter{Email: "bob@example.COM"}); len(got) != 6 {
		t.Fatalf("email filter: %d", len(got))
	}
	if got := walk(store.EventFilter{Reason: "jwt_expired", Events: []string{models.EventRedirectRejected}}); len(got) != 17 {
		t.Fatalf("reason filter: %d", len(got))
	}
	n := 0
	if err := st.EachEvent(ctx, hc.ID, store.EventFilter{}, 4, func(models.Event) error { n++; return nil }); err != nil || n != 23 {
		t.Fatalf("EachEvent saw %d (%v)", n, err)
	}
	counts, err := st.ReasonCounts(ctx, hc.ID, []string{"jwt_expired"}, t0.Add(5*time.Minute), t0.Add(-time.Hour))
	if err != nil || len(counts) != 1 || counts[0].LastWeek != 17 || counts[0].LastDay >= 17 {
		t.Fatalf("reason counts %+v %v", counts, err)
	}
}

func testRejectionFloodIsSummarised(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	hc := workspace(t, st, "acme")
	for range store.RejectedCeiling + 25 {
		if err := st.LogEvent(ctx, &models.Event{HelpCenterID: hc.ID, CreatedAt: t0, Event: models.EventRedirectRejected, Reason: "jwt_malformed", Detail: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	var rows, summaries int
	var counted int
	st.EachEvent(ctx, hc.ID, store.EventFilter{}, 100, func(e models.Event) error {
		rows++
		if e.Reason == store.SummaryReason {
			summaries++
			counted = e.Count
		}
		return nil
	})
	if rows != store.RejectedCeiling+1 || summaries != 1 || counted != 25 {
		t.Fatalf("%d rows, %d summaries counting %d", rows, summaries, counted)
	}

	// The flood goes on into the next minute: that minute logs only the
	// sustained ceiling's worth and says why; after a quiet minute the
	// first ceiling holds again.
	reject := func(at time.Time, n int) {
		for range n {
			if err := st.LogEvent(ctx, &models.Event{HelpCenterID: hc.ID, CreatedAt: at, Event: models.EventRedirectRejected, Reason: "jwt_expired", Detail: "x"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	perMinute := func(at time.Time) (logged int, summary models.Event) {
		st.EachEvent(ctx, hc.ID, store.EventFilter{}, 500, func(e models.Event) error {
			switch {
			case e.CreatedAt.Before(at) || !e.CreatedAt.Before(at.Add(time.Minute)):
			case e.Reason == store.SummaryReason:
				summary = e
			default:
				logged++
			}
			return nil
		})
		return logged, summary
	}
	next := t0.Truncate(time.Minute).Add(time.Minute)
	reject(next, 100)
	if logged, sum := perMinute(next); logged != store.SustainedCeiling || sum.Count != 100-store.SustainedCeiling ||
		!strings.Contains(sum.Detail, "ceiling of 60 (the flood went on from the minute before)") || !strings.HasSuffix(sum.Detail, "jwt_expired") {
		t.Fatalf("the flood's second minute: %d rows logged, summary %+v", logged, sum)
	}
	later := next.Add(2 * time.Minute)
	reject(later, 100)
	if logged, sum := perMinute(later); logged != 100 || sum.Count != 0 {
		t.Fatalf("after a quiet minute: %d rows logged, summary %+v", logged, sum)
	}
}

func testRateLimitedRowsFold(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	hc := workspace(t, st, "acme")
	refuse := func(at time.Time, ip string) {
		if err := st.LogFolded(ctx, &models.Event{HelpCenterID: hc.ID, CreatedAt: at, Event: models.EventRedirectRejected,
			Reason: "rate_limited", Detail: "too many", IP: ip, Email: "x@example.com"}); err != nil {
			t.Fatal(err)
		}
	}
	refuse(t0, "203.0.113.7")
	refuse(t0.Add(10*time.Second), "203.0.113.7")
	refuse(t0.Add(20*time.Second), "198.51.100.1")
	refuse(t0.Add(time.Minute), "203.0.113.7")
	evs, _ := st.Events(ctx, hc.ID, store.EventFilter{Reason: "rate_limited"}, nil, 10)
	counts := map[string]int{}
	for _, e := range evs {
		counts[e.IP+" "+e.CreatedAt.Format("15:04")] = e.Count
		if e.Email != "" {
			t.Error("a rate_limited row names an email")
		}
	}
	if len(evs) != 3 || counts["203.0.113.7 09:30"] != 2 || counts["198.51.100.1 09:30"] != 1 || counts["203.0.113.7 09:31"] != 1 {
		t.Fatalf("rows %v", counts)
	}
}

// A write started inside a sign-in transaction fails at once instead of
// waiting forever for the transaction it is part of (on SQLite's single
// writer it would), whichever kind of write it is, and leaves the
// transaction usable.
func testNestedWriteFailsFast(t *testing.T, be Backend) {
	st := fresh(t, be)
	hc := workspace(t, st, "acme")
	writes := map[string]func(ctx context.Context) error{
		"LogEvent": func(ctx context.Context) error {
			return st.LogEvent(ctx, &models.Event{HelpCenterID: hc.ID, CreatedAt: t0, Event: models.EventRedirectRejected, Reason: "jwt_malformed"})
		},
		"SavePendingKey": func(ctx context.Context) error {
			return st.SavePendingKey(ctx, hc.ID, models.PendingKey{Key: "nested", BrowserHash: "b", ReturnTo: "/", ExpiresAt: t0.Add(time.Minute)})
		},
		"SetVisibility": func(ctx context.Context) error {
			return st.SetVisibility(ctx, hc.ID, models.VisibilityPrivate, "")
		},
		"InSignIn": func(ctx context.Context) error {
			return st.InSignIn(ctx, func(context.Context, *store.SignIn) error { return nil })
		},
		"CreateCategory": func(ctx context.Context) error {
			return st.CreateCategory(ctx, hc.ID, &models.Category{Name: "Nested"})
		},
	}
	for name, write := range writes {
		done := make(chan error, 1)
		var nested error
		go func() {
			done <- st.InSignIn(context.Background(), func(ctx context.Context, tx *store.SignIn) error {
				nested = write(ctx)
				// The transaction itself goes on and commits.
				_, err := tx.RecordJTI(ctx, hc.ID, "after-nested-"+name, t0.Add(time.Hour))
				return err
			})
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%s: the transaction around a refused nested write failed: %v", name, err)
			}
			if !errors.Is(nested, store.ErrNestedWrite) {
				t.Fatalf("nested %s: %v, want ErrNestedWrite", name, nested)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("a nested %s hangs", name)
		}
		if first := recordJTI(t, st, hc.ID, "after-nested-"+name); first {
			t.Fatalf("%s: the transaction's own write did not commit", name)
		}
	}
	if hc2, _ := st.HelpCenterByID(context.Background(), hc.ID); hc2.Visibility != models.VisibilityPublic {
		t.Fatal("a refused nested write changed the help center")
	}
	if evs, _ := st.Events(context.Background(), hc.ID, store.EventFilter{}, nil, 10); len(evs) != 0 {
		t.Fatalf("a refused nested write logged %d events", len(evs))
	}
}

// recordJTI takes jti in a transaction of its own and reports whether it
// was the first.
func recordJTI(t *testing.T, st *store.Store, hcID int64, jti string) bool {
	t.Helper()
	var first bool
	if err := st.InSignIn(context.Background(), func(ctx context.Context, tx *store.SignIn) error {
		var err error
		first, err = tx.RecordJTI(ctx, hcID, jti, t0.Add(time.Hour))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return first
}

// Close fails queued writes with ErrClosed and waits for its writer; a
// write after Close fails at once. A write that returned nil is in the
// database, and one that returned ErrClosed is not.
func testCloseWithQueuedWrites(t *testing.T, be Backend) {
	dsn := be.NewDSN(t)
	st := migrated(t, be, dsn, func() time.Time { return t0 })
	ctx := context.Background()
	hc := workspace(t, st, "acme")
	const n = 200
	errs := make(chan error, n)
	var started sync.WaitGroup
	for i := range n {
		started.Add(1)
		go func() {
			started.Done()
			e := &models.Event{HelpCenterID: hc.ID, CreatedAt: t0, Event: models.EventRedirectSucceeded}
			if i%2 == 0 {
				errs <- st.LogEvent(ctx, e)
				return
			}
			errs <- st.InSignIn(ctx, func(ctx context.Context, tx *store.SignIn) error {
				if _, err := tx.RecordJTI(ctx, hc.ID, fmt.Sprint("close-", i), t0.Add(time.Hour)); err != nil {
					return err
				}
				return tx.LogEvent(ctx, e)
			})
		}()
	}
	started.Wait()
	closed := make(chan error, 1)
	go func() { closed <- st.Close() }()
	deadline := time.After(10 * time.Second)
	written := 0
	for range n {
		select {
		case err := <-errs:
			switch {
			case err == nil:
				written++
			case !errors.Is(err, store.ErrClosed):
				t.Fatalf("a queued write failed with %v, want nil or ErrClosed", err)
			}
		case <-deadline:
			t.Fatal("a write queued at Close hangs")
		}
	}
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-deadline:
		t.Fatal("Close hangs")
	}
	after := map[string]error{
		"LogEvent":      st.LogEvent(ctx, &models.Event{HelpCenterID: hc.ID, CreatedAt: t0, Event: models.EventRedirectSucceeded}),
		"InSignIn":      st.InSignIn(ctx, func(context.Context, *store.SignIn) error { return nil }),
		"SetVisibility": st.SetVisibility(ctx, hc.ID, models.VisibilityPrivate, ""),
	}
	for name, err := range after {
		if !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
	if got := CountRows(t, dsn, "events"); got != int64(written) {
		t.Fatalf("%d writes returned nil, %d events are in the database", written, got)
	}
}

// A Test sign-in's run: started, then its report saved once the token
// came back, only under the key this help center issued, until it expires.
func testTesterRuns(t *testing.T, be Backend) {
	st, clk := freshClock(t, be)
	ctx := context.Background()
	hc, other := workspace(t, st, "acme"), workspace(t, st, "globex")
	if err := st.StartTesterRun(ctx, hc.ID, "tester-key-1"); err != nil {
		t.Fatal(err)
	}
	if report, found, err := st.TesterReport(ctx, hc.ID, "tester-key-1"); err != nil || !found || report != "" {
		t.Fatalf("a fresh run: %q %v %v", report, found, err)
	}
	if ok, err := st.SaveTesterReport(ctx, other.ID, "tester-key-1", "{}"); err != nil || ok {
		t.Fatalf("saved under another help center: %v %v", ok, err)
	}
	if ok, err := st.SaveTesterReport(ctx, hc.ID, "tester-key-1", `{"Verified":true}`); err != nil || !ok {
		t.Fatalf("save: %v %v", ok, err)
	}
	if report, found, _ := st.TesterReport(ctx, hc.ID, "tester-key-1"); !found || report != `{"Verified":true}` {
		t.Fatalf("report %q %v", report, found)
	}
	if _, found, _ := st.TesterReport(ctx, other.ID, "tester-key-1"); found {
		t.Fatal("another help center reads the run")
	}
	clk.Advance(store.TesterRunLifetime + time.Second)
	if ok, _ := st.SaveTesterReport(ctx, hc.ID, "tester-key-1", "{}"); ok {
		t.Fatal("saved into an expired run")
	}
	if _, found, _ := st.TesterReport(ctx, hc.ID, "tester-key-1"); found {
		t.Fatal("an expired run is still found")
	}
}
