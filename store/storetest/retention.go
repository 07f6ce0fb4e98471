package storetest

import (
	"context"
	"testing"
	"time"

	"helpcenter/models"
	"helpcenter/store"
)

// Purge removes every kind of row that can no longer matter, and only
// those: expired pending keys, jtis, visitor and admin sessions and
// revocations, failed sign-ins older than an hour, old events.
func testPurgeEveryKind(t *testing.T, be Backend) {
	st, dsn := freshDSN(t, be)
	ctx := context.Background()
	_, hc, admin, err := st.CreateWorkspace(ctx, store.NewWorkspace{Name: "A", Subdomain: "aaa", AdminEmail: "a@a.test", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	past, future := t0.Add(-time.Minute), t0.Add(time.Hour)
	for _, exp := range []time.Time{past, future} {
		k, _ := newPendingKey("browser", "/", exp.Add(-pendingKeyLifetime))
		if err := st.SavePendingKey(ctx, hc.ID, k); err != nil {
			t.Fatal(err)
		}
		if err := st.InSignIn(ctx, func(ctx context.Context, tx *store.SignIn) error {
			_, err := tx.RecordJTI(ctx, hc.ID, "jti-"+exp.String(), exp)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateAdminSession(ctx, &models.AdminSession{IDHash: sessionID("admin-" + exp.Format("15:04")), AdminID: admin.ID,
			WorkspaceID: admin.WorkspaceID, CreatedAt: t0, ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
	}
	u := provision(t, st, hc.ID, models.Profile{Email: "jane@example.com", Name: "Jane", Role: models.RoleViewer})
	openSession(t, st, hc.ID, u.ID, "expired", nil, past)
	live := openSession(t, st, hc.ID, u.ID, "live", nil, future)
	// Two revocations: of a session that has expired by now, and of one
	// that would still be live.
	for _, s := range []*models.VisitorSession{openSession(t, st, hc.ID, u.ID, "ended-expired", nil, past), openSession(t, st, hc.ID, u.ID, "ended-live", nil, future)} {
		if err := st.EndVisitorSession(ctx, hc.ID, s.IDHash); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.RecordLoginFailure(ctx, t0.Add(-2*time.Hour), "ip:old"); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordLoginFailure(ctx, t0.Add(-30*time.Minute), "ip:recent"); err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{t0.Add(-91 * 24 * time.Hour), t0.Add(-89 * 24 * time.Hour)} {
		if err := st.LogEvent(ctx, &models.Event{HelpCenterID: hc.ID, CreatedAt: at, Event: models.EventRedirectSucceeded}); err != nil {
			t.Fatal(err)
		}
	}

	n, err := st.Purge(ctx, t0, t0.Add(-90*24*time.Hour))
	if err != nil || n != 7 {
		t.Fatalf("purged %d rows (%v), want one of each of the 7 kinds", n, err)
	}
	for table, want := range map[string]int64{
		"pending_keys": 1, "used_jtis": 1, "visitor_sessions": 1, "admin_sessions": 1,
		"revoked_sessions": 1, "login_failures": 1, "events": 1, "users": 1,
	} {
		if got := CountRows(t, dsn, table); got != want {
			t.Errorf("%s: %d rows left, want %d", table, got, want)
		}
	}
	if _, _, err := st.VisitorSession(ctx, hc.ID, live.IDHash, t0); err != nil {
		t.Errorf("the live session went: %v", err)
	}
	if _, _, err := st.AdminSession(ctx, sessionID("admin-"+future.Format("15:04")), t0); err != nil {
		t.Errorf("the live admin session went: %v", err)
	}
	if times, _ := st.LoginFailuresSince(ctx, "ip:recent", t0.Add(-time.Hour)); len(times) != 1 {
		t.Errorf("the recent failure went: %v", times)
	}
	if revs, _ := st.RevocationsSince(ctx, 0, t0.Add(-time.Hour), t0); len(revs) != 1 || string(revs[0].IDHash) != string(sessionID("ended-live")) {
		t.Errorf("revocations left %+v", revs)
	}
	if n, err := st.Purge(ctx, t0, t0.Add(-90*24*time.Hour)); err != nil || n != 0 {
		t.Fatalf("a second purge removed %d (%v)", n, err)
	}
}
