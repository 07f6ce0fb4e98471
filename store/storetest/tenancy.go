package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"helpcenter/models"
	"helpcenter/store"
)

// Help center A's users, sessions, keys, jtis, events, origins and audit
// entries are invisible through help center B's id, and B's writes never
// reach them (testContentTenantScoping does the same for content).
func testTenantScoping(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	a, b := workspace(t, st, "alpha"), workspace(t, st, "beta")

	// A: a user with a session, a pending key, a jti, events, origins and
	// an audit entry.
	jane := provision(t, st, a.ID, models.Profile{ExternalID: "42", Email: "jane@example.com", Name: "Jane", Role: models.RoleViewer})
	sess := openSession(t, st, a.ID, jane.ID, "jane", nil, t0.Add(time.Hour))
	key, _ := newPendingKey("browser", "/a", t0)
	if err := st.SavePendingKey(ctx, a.ID, key); err != nil {
		t.Fatal(err)
	}
	recordJTI(t, st, a.ID, "alpha-jti")
	if err := st.LogEvent(ctx, &models.Event{HelpCenterID: a.ID, CreatedAt: t0, Event: models.EventRedirectSucceeded, Email: "jane@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := st.LogEvent(ctx, &models.Event{HelpCenterID: a.ID, CreatedAt: t0, Event: models.EventRedirectRejected, Reason: "jwt_expired", Email: "jane@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetWidgetOrigins(ctx, a.WorkspaceID, a.ID, []string{"https://app.alpha.test"}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetSSOEnabled(ctx, a.WorkspaceID, a.ID, true, "admin@alpha.test"); err != nil {
		t.Fatal(err)
	}

	// Reads through B's id.
	if _, err := st.UserByEmail(ctx, b.ID, "jane@example.com"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("UserByEmail: B sees A's user (%v)", err)
	}
	if _, _, err := st.VisitorSession(ctx, b.ID, sess.IDHash, t0); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("VisitorSession: B sees A's session (%v)", err)
	}
	if ok, err := st.PendingKeyIssued(ctx, b.ID, key.Key, t0); err != nil || ok {
		t.Errorf("PendingKeyIssued: B holds A's key (%v %v)", ok, err)
	}
	if evs, err := st.Events(ctx, b.ID, store.EventFilter{}, nil, 10); err != nil || len(evs) != 0 {
		t.Errorf("Events: B sees %d of A's events (%v)", len(evs), err)
	}
	if evs, _ := st.Events(ctx, b.ID, store.EventFilter{Email: "jane@example.com"}, nil, 10); len(evs) != 0 {
		t.Errorf("Events by email: B sees %d of A's events", len(evs))
	}
	if evs, _ := st.Events(ctx, b.ID, store.EventFilter{Reason: "jwt_expired"}, nil, 10); len(evs) != 0 {
		t.Errorf("Events by reason: B sees %d of A's events", len(evs))
	}
	if evs, _ := st.Events(ctx, b.ID, store.EventFilter{Events: []string{models.EventRedirectSucceeded, models.EventRedirectRejected}}, nil, 10); len(evs) != 0 {
		t.Errorf("Events by event: B sees %d of A's events", len(evs))
	}
	n := 0
	if err := st.EachEvent(ctx, b.ID, store.EventFilter{}, 10, func(models.Event) error { n++; return nil }); err != nil || n != 0 {
		t.Errorf("EachEvent: B sees %d of A's events (%v)", n, err)
	}
	if counts, err := st.ReasonCounts(ctx, b.ID, []string{"jwt_expired"}, t0.Add(-time.Hour), t0.Add(-time.Hour)); err != nil || len(counts) != 0 {
		t.Errorf("ReasonCounts: B counts A's rejections: %+v (%v)", counts, err)
	}
	if ok, err := st.HasSignIn(ctx, b.ID); err != nil || ok {
		t.Errorf("HasSignIn: B has A's sign-in (%v %v)", ok, err)
	}
	if o, err := st.WidgetOrigins(ctx, b.ID); err != nil || len(o) != 0 {
		t.Errorf("WidgetOrigins: B lists A's %v (%v)", o, err)
	}
	if ok, _ := st.WidgetOriginAllowed(ctx, b.ID, "https://app.alpha.test"); ok {
		t.Error("WidgetOriginAllowed: B allows A's origin")
	}
	if audit, err := st.AuditLog(ctx, b.ID, 10); err != nil || len(audit) != 0 {
		t.Errorf("AuditLog: B sees A's %+v (%v)", audit, err)
	}
	if hc, err := st.HelpCenterOfWorkspace(ctx, b.WorkspaceID); err != nil || hc.ID != b.ID {
		t.Errorf("HelpCenterOfWorkspace(B) = %+v (%v)", hc, err)
	}

	// Sign-in writes through B's id: B's jti space, keys and users are
	// its own.
	if err := st.InSignIn(ctx, func(ctx context.Context, tx *store.SignIn) error {
		if live, err := tx.PendingKeyLive(ctx, b.ID, key.Key, t0); err != nil || live {
			t.Errorf("PendingKeyLive: B holds A's key (%v %v)", live, err)
		}
		if _, ok, err := tx.ConsumePendingKey(ctx, b.ID, key.Key, key.BrowserHash, t0); err != nil || ok {
			t.Errorf("ConsumePendingKey: B consumed A's key (%v %v)", ok, err)
		}
		if first, err := tx.RecordJTI(ctx, b.ID, "alpha-jti", t0.Add(time.Hour)); err != nil || !first {
			t.Errorf("RecordJTI: A's jti is taken on B (%v %v)", first, err)
		}
		if h, err := tx.BindWidgetJTI(ctx, b.ID, "alpha-widget-jti", "instance", t0.Add(time.Hour)); err != nil || !h.SameInstance {
			t.Errorf("BindWidgetJTI on B: %+v %v", h, err)
		}
		u, err := tx.ProvisionUser(ctx, b.ID, models.Profile{ExternalID: "42", Email: "jane@example.com", Name: "Other Jane", Role: models.RoleAdmin}, true, t0)
		if err != nil || u.ID == jane.ID {
			t.Errorf("ProvisionUser on B found A's user: %+v %v", u, err)
		}
		// Rotating "from" A's session on B ends nothing of A's.
		return tx.OpenSession(ctx, sess.IDHash, &models.VisitorSession{IDHash: sessionID("beta"), HelpCenterID: b.ID, UserID: u.ID,
			CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)})
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.EndVisitorSession(ctx, b.ID, sess.IDHash); err != nil {
		t.Fatal(err)
	}
	if n, created, err := st.SetUserBanned(ctx, b.ID, "jane@example.com", true); err != nil || n != 1 || created {
		t.Fatalf("ban on B: %d %v %v", n, created, err)
	}
	if err := st.InSignIn(ctx, func(ctx context.Context, tx *store.SignIn) error {
		_, err := tx.BindWidgetJTI(ctx, a.ID, "alpha-widget-jti", "instance", t0.Add(time.Hour))
		return err
	}); err != nil {
		t.Fatal(err)
	}

	// Console writes naming B with A's workspace change nothing.
	bKey, err := st.AddKey(ctx, b.WorkspaceID, b.ID, store.NewKey{Kind: models.KeySecret, Alg: models.AlgHS256, Label: "B's", Secret: "beta-secret-0123456789abcdefghijklmnop"})
	if err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"SetWidgetOrigins":  st.SetWidgetOrigins(ctx, a.WorkspaceID, b.ID, []string{"https://evil.test"}),
		"UpdateGeneral":     st.UpdateGeneral(ctx, a.WorkspaceID, b.ID, store.GeneralSettings{Name: "Hijacked", Visibility: models.VisibilityPrivate}),
		"UpdateSSOSettings": st.UpdateSSOSettings(ctx, a.WorkspaceID, b.ID, store.SSOUpdate{Settings: models.SSOSettings{LoginURL: "https://evil.test"}, NewSecret: "evil-secret-0123456789abcdefghijklmnop", Enable: true}),
		"AddKey":            addKeyErr(st.AddKey(ctx, a.WorkspaceID, b.ID, store.NewKey{Kind: models.KeySecret, Alg: models.AlgHS256, Label: "Evil", Secret: "evil-secret-0123456789abcdefghijklmnop"})),
		"RevokeKey":         st.RevokeKey(ctx, a.WorkspaceID, b.ID, bKey.ID, "x"),
		"SetSSOEnabled":     st.SetSSOEnabled(ctx, a.WorkspaceID, b.ID, true, "x"),
	} {
		if !errors.Is(err, models.ErrNotFound) {
			t.Errorf("%s on another workspace's help center: %v, want ErrNotFound", name, err)
		}
	}
	if got, _ := st.HelpCenterByID(ctx, b.ID); got.Name != b.Name || got.Visibility != models.VisibilityPublic || got.SSOEnabled || got.LoginURL != "" {
		t.Errorf("B changed through A's workspace: %+v", got)
	}
	if live, _ := st.LiveKeys(ctx, b.ID, t0); len(live) != 1 || live[0].ID != bKey.ID {
		t.Errorf("B's keys changed through A's workspace: %+v", live)
	}
	if o, _ := st.WidgetOrigins(ctx, b.ID); len(o) != 0 {
		t.Errorf("B's origins set through A's workspace: %v", o)
	}
	// B's own changes only (its key, the ban on it): none from the
	// refused writes.
	audit, _ := st.AuditLog(ctx, b.ID, 10)
	for _, e := range audit {
		if !strings.HasPrefix(e.Action, `Shared secret "B's"`) && !strings.HasPrefix(e.Action, "Banned ") {
			t.Errorf("audit entry on B from a refused write: %+v", e)
		}
	}
	if len(audit) != 2 {
		t.Errorf("audit entries on B: %+v", audit)
	}

	// A is as it was.
	if _, u, err := st.VisitorSession(ctx, a.ID, sess.IDHash, t0); err != nil || u.Banned || u.Name != "Jane" {
		t.Fatalf("A's session or user changed through B: %+v %v", u, err)
	}
	if ok, _ := st.PendingKeyIssued(ctx, a.ID, key.Key, t0); !ok {
		t.Fatal("A's key was consumed through B")
	}
	if recordJTI(t, st, a.ID, "alpha-widget-jti") {
		t.Fatal("A's widget jti was free")
	}
	revs, _ := st.RevocationsSince(ctx, 0, t0, t0)
	for _, r := range revs {
		if r.HelpCenterID == a.ID || string(r.IDHash) == string(sess.IDHash) {
			t.Fatalf("B's writes revoked A's session: %+v", r)
		}
	}
	if evs, _ := st.Events(ctx, a.ID, store.EventFilter{}, nil, 10); len(evs) != 2 {
		t.Fatalf("A has %d events", len(evs))
	}
	if o, _ := st.WidgetOrigins(ctx, a.ID); len(o) != 1 {
		t.Fatalf("A's origins %v", o)
	}
}
