package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"helpcenter/models"
	"helpcenter/store"
)

// A store opened on an empty database answers, names its backend, is at
// schema version 0 until it migrates, and checkpoints whenever asked.
func testOpenEmptyDatabase(t *testing.T, be Backend) {
	st := be.Open(t, be.NewDSN(t), func() time.Time { return t0 })
	ctx := context.Background()
	if err := st.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if b := st.Backend(); b != "sqlite" && b != "postgres" {
		t.Fatalf("Backend() = %q", b)
	}
	if v, err := st.SchemaVersion(ctx); err != nil || v != 0 {
		t.Fatalf("an empty database is at version %d (%v), want 0", v, err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if v, err := st.SchemaVersion(ctx); err != nil || v == 0 {
		t.Fatalf("a migrated database is at version %d (%v)", v, err)
	}
	if n, err := st.CountWorkspaces(ctx); err != nil || n != 0 {
		t.Fatalf("a fresh database holds %d workspaces (%v)", n, err)
	}
	if err := st.Checkpoint(ctx); err != nil {
		t.Fatalf("Checkpoint: %v", err)
	}
	if err := st.Ping(ctx); err != nil {
		t.Fatalf("Ping after migrating: %v", err)
	}
}

// What signing up saves is found again by every way in: workspace id,
// help center id, subdomain, the widget's public id, the admin's email.
func testWorkspaceLookups(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	ws, hc, admin, err := st.CreateWorkspace(ctx, store.NewWorkspace{Name: "Acme Inc.", Subdomain: "acme", AdminEmail: "owner@acme.test", PasswordHash: "hash-1"})
	if err != nil {
		t.Fatal(err)
	}
	_, hc2, _, _ := st.CreateWorkspace(ctx, store.NewWorkspace{Name: "Globex", Subdomain: "globex", AdminEmail: "owner@globex.test", PasswordHash: "hash-2"})
	if hc.PublicID == hc2.PublicID {
		t.Fatal("two help centers share a public id")
	}
	if got, err := st.Workspace(ctx, ws.ID); err != nil || got.Name != "Acme Inc." || !got.CreatedAt.Equal(t0) {
		t.Fatalf("Workspace: %+v %v", got, err)
	}
	same := func(how string, got *models.HelpCenter, err error) {
		t.Helper()
		if err != nil || got.ID != hc.ID || got.WorkspaceID != ws.ID || got.Name != "Acme Inc." || got.Subdomain != "acme" || got.PublicID != hc.PublicID {
			t.Fatalf("%s: %+v %v", how, got, err)
		}
	}
	got, err := st.HelpCenterByID(ctx, hc.ID)
	same("HelpCenterByID", got, err)
	got, err = st.HelpCenterOfWorkspace(ctx, ws.ID)
	same("HelpCenterOfWorkspace", got, err)
	got, err = st.HelpCenterBySubdomain(ctx, "acme")
	same("HelpCenterBySubdomain", got, err)
	got, err = st.HelpCenterByPublicID(ctx, hc.PublicID)
	same("HelpCenterByPublicID", got, err)
	if a, err := st.AdminByEmail(ctx, "Owner@ACME.test"); err != nil || a.ID != admin.ID || a.WorkspaceID != ws.ID || a.PasswordHash != "hash-1" {
		t.Fatalf("AdminByEmail: %+v %v", a, err)
	}
	for name, err := range map[string]error{
		"Workspace":                       second(st.Workspace(ctx, ws.ID+100)),
		"HelpCenterByID":                  second(st.HelpCenterByID(ctx, hc.ID+100)),
		"HelpCenterOfWorkspace":           second(st.HelpCenterOfWorkspace(ctx, ws.ID+100)),
		"HelpCenterBySubdomain":           second(st.HelpCenterBySubdomain(ctx, "nope")),
		"HelpCenterByPublicID":            second(st.HelpCenterByPublicID(ctx, "hc_nope")),
		"HelpCenterByPublicID of nothing": second(st.HelpCenterByPublicID(ctx, "")),
		"AdminByEmail":                    second(st.AdminByEmail(ctx, "nobody@acme.test")),
	} {
		if !errors.Is(err, models.ErrNotFound) {
			t.Errorf("%s of something unknown: %v, want ErrNotFound", name, err)
		}
	}
	if n, err := st.CountWorkspaces(ctx); err != nil || n != 2 {
		t.Fatalf("CountWorkspaces = %d (%v)", n, err)
	}
}

func second[T any](_ T, err error) error { return err }

// Of concurrent signups with one admin email, exactly one wins; the
// others are conflicts and leave nothing behind.
func testConcurrentSignupsOneEmail(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	const n = 12
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, _, errs[i] = st.CreateWorkspace(ctx, store.NewWorkspace{Name: "X", Subdomain: fmt.Sprint("sub", i), AdminEmail: "same@x.test", PasswordHash: "x"})
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, models.ErrConflict):
			t.Errorf("a losing signup: %v, want a conflict", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d signups won one email", wins)
	}
	if c, _ := st.CountWorkspaces(ctx); c != 1 {
		t.Fatalf("%d workspaces after one winning signup", c)
	}
}

// Visibility and Settings → General: what is saved is what is read; an
// empty password hash keeps the one saved; an unknown help center is
// ErrNotFound.
func testVisibilityAndGeneral(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	hc := workspace(t, st, "acme")
	read := func() *models.HelpCenter {
		t.Helper()
		got, err := st.HelpCenterByID(ctx, hc.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if err := st.SetVisibility(ctx, hc.ID, models.VisibilityPassword, "pw-hash-1"); err != nil {
		t.Fatal(err)
	}
	if got := read(); got.Visibility != models.VisibilityPassword || got.SitePasswordHash != "pw-hash-1" {
		t.Fatalf("after SetVisibility: %q %q", got.Visibility, got.SitePasswordHash)
	}
	if err := st.SetVisibility(ctx, hc.ID, models.VisibilityPrivate, ""); err != nil {
		t.Fatal(err)
	}
	if got := read(); got.Visibility != models.VisibilityPrivate || got.SitePasswordHash != "pw-hash-1" {
		t.Fatalf("an empty hash replaced the password: %q %q", got.Visibility, got.SitePasswordHash)
	}
	if err := st.SetVisibility(ctx, hc.ID+100, models.VisibilityPublic, ""); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("SetVisibility of an unknown help center: %v", err)
	}
	if err := st.UpdateGeneral(ctx, hc.WorkspaceID, hc.ID, store.GeneralSettings{Name: "Acme Help", Visibility: models.VisibilityPassword}); err != nil {
		t.Fatal(err)
	}
	if got := read(); got.Name != "Acme Help" || got.Visibility != models.VisibilityPassword || got.SitePasswordHash != "pw-hash-1" || got.CustomDomain != "" {
		t.Fatalf("after UpdateGeneral: %+v", got)
	}
	if err := st.UpdateGeneral(ctx, hc.WorkspaceID, hc.ID, store.GeneralSettings{Name: "Acme Help", Visibility: models.VisibilityPassword, SitePasswordHash: "pw-hash-2"}); err != nil {
		t.Fatal(err)
	}
	if got := read(); got.SitePasswordHash != "pw-hash-2" {
		t.Fatalf("UpdateGeneral kept the old password: %q", got.SitePasswordHash)
	}
	if err := st.UpdateGeneral(ctx, hc.WorkspaceID, hc.ID+100, store.GeneralSettings{Name: "X", Visibility: models.VisibilityPublic}); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("UpdateGeneral of an unknown help center: %v", err)
	}
}

// The audit log: newest first, at most limit entries, an entry only when
// something changed, never the secret.
func testAuditLog(t *testing.T, be Backend) {
	st, c := freshClock(t, be)
	ctx := context.Background()
	hc := workspace(t, st, "acme")
	settings := models.SSOSettings{LoginURL: "https://app.acme.test/login", LogoutURL: "https://app.acme.test/bye", Issuer: "acme",
		TokenTTL: 120, AllowUnsolicited: true, ReportOnly: true}
	if err := st.UpdateSSOSettings(ctx, hc.WorkspaceID, hc.ID, store.SSOUpdate{Settings: settings}); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.HelpCenterByID(ctx, hc.ID); got.SSOSettings() != settings || got.SSOEnabled || secretOf(t, st, hc.ID) != "" {
		t.Fatalf("saved %+v, want %+v, still off and without a secret", got.SSOSettings(), settings)
	}
	if audit, _ := st.AuditLog(ctx, hc.ID, 10); len(audit) != 0 {
		t.Fatalf("an update without an action wrote %+v", audit)
	}
	c.Advance(time.Minute)
	if err := st.UpdateSSOSettings(ctx, hc.WorkspaceID, hc.ID, store.SSOUpdate{Settings: settings, NewSecret: "acme-secret-0123456789abcdefghijklmnop", Actor: "a@acme.test", Action: "Shared secret saved"}); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Minute)
	if err := st.SetSSOEnabled(ctx, hc.WorkspaceID, hc.ID, true, "b@acme.test"); err != nil {
		t.Fatal(err)
	}
	// Switching on what is on changes nothing and says nothing.
	if err := st.SetSSOEnabled(ctx, hc.WorkspaceID, hc.ID, true, "b@acme.test"); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Minute)
	if _, err := st.AddKey(ctx, hc.WorkspaceID, hc.ID, store.NewKey{Kind: models.KeySecret, Alg: models.AlgHS256, Label: "Shared secret",
		Secret: "acme-secret-2-0123456789abcdefghijklmn", Retire: store.RetireSecrets, Grace: time.Hour, Actor: "c@acme.test", Audit: "Secret regenerated"}); err != nil {
		t.Fatal(err)
	}
	audit, err := st.AuditLog(ctx, hc.ID, 10)
	if err != nil || len(audit) != 3 {
		t.Fatalf("audit %+v %v", audit, err)
	}
	want := []struct{ actor, action string }{
		{"c@acme.test", "Secret regenerated: new Shared secret \"Shared secret\" (" + fingerprint("acme-secret-2-0123456789abcdefghijklmn") + "); Shared secret " +
			fingerprint("acme-secret-0123456789abcdefghijklmnop") + " retiring until " + t0.Add(63*time.Minute).UTC().Format(time.RFC3339)},
		{"b@acme.test", "Single sign-on turned on"},
		{"a@acme.test", "Shared secret saved"},
	}
	minutes := []int{3, 2, 1}
	for i, e := range audit {
		if e.Actor != want[i].actor || e.Action != want[i].action || e.HelpCenterID != hc.ID || !e.CreatedAt.Equal(t0.Add(time.Duration(minutes[i])*time.Minute)) {
			t.Errorf("entry %d: %+v, want %+v", i, e, want[i])
		}
	}
	if two, _ := st.AuditLog(ctx, hc.ID, 2); len(two) != 2 || two[0].ID != audit[0].ID || two[1].ID != audit[1].ID {
		t.Fatalf("limit 2: %+v", two)
	}
	if s := secretOf(t, st, hc.ID); s != "acme-secret-2-0123456789abcdefghijklmn" {
		t.Fatalf("secret %q", s)
	}
	// Saving the settings without a new secret keeps the one saved.
	settings.Audience = "help"
	if err := st.UpdateSSOSettings(ctx, hc.WorkspaceID, hc.ID, store.SSOUpdate{Settings: settings}); err != nil {
		t.Fatal(err)
	}
	got, _ := st.HelpCenterByID(ctx, hc.ID)
	if s := secretOf(t, st, hc.ID); s != "acme-secret-2-0123456789abcdefghijklmn" || got.SSOSettings() != settings || !got.SSOEnabled {
		t.Fatalf("after saving without a secret: %q %+v", s, got)
	}
}
