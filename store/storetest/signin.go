package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"helpcenter/models"
	"helpcenter/store"
)

// sessionID is a 32-byte session id hash made readable.
func sessionID(name string) []byte { return []byte(name + strings.Repeat("-", 32-len(name))) }

// openSession opens a visitor session for user in a transaction of its own.
func openSession(t *testing.T, st *store.Store, hcID, userID int64, name string, old []byte, expires time.Time) *models.VisitorSession {
	t.Helper()
	s := &models.VisitorSession{IDHash: sessionID(name), HelpCenterID: hcID, UserID: userID, JTI: "jti-" + name,
		ReturnTo: "/" + name, CreatedAt: t0, ExpiresAt: expires}
	if err := st.InSignIn(context.Background(), func(ctx context.Context, tx *store.SignIn) error {
		return tx.OpenSession(ctx, old, s)
	}); err != nil {
		t.Fatal(err)
	}
	return s
}

// A sign-in's writes — jti, key, user, session, event row — commit
// together, or, when its function fails or panics, not at all; a
// rejection returns nil and its jti and row commit.
func testSignInCommitsOrRollsBack(t *testing.T, be Backend) {
	st, dsn := freshDSN(t, be)
	ctx := context.Background()
	hc := workspace(t, st, "acme")
	key, _ := newPendingKey("browser", "/welcome", t0)
	if err := st.SavePendingKey(ctx, hc.ID, key); err != nil {
		t.Fatal(err)
	}
	profile := models.Profile{Email: "jane@example.com", Name: "Jane", Role: models.RoleViewer}
	session := &models.VisitorSession{IDHash: sessionID("signin"), HelpCenterID: hc.ID, JTI: key.Key, ReturnTo: "/welcome",
		CreatedAt: t0, ExpiresAt: t0.Add(12 * time.Hour)}
	signIn := func(ctx context.Context, tx *store.SignIn) error {
		if first, err := tx.RecordJTI(ctx, hc.ID, key.Key, t0.Add(time.Hour)); err != nil || !first {
			return errors.Join(errors.New("jti not first"), err)
		}
		if to, ok, err := tx.ConsumePendingKey(ctx, hc.ID, key.Key, key.BrowserHash, t0); err != nil || !ok || to != "/welcome" {
			return errors.Join(errors.New("key not consumed"), err)
		}
		u, err := tx.ProvisionUser(ctx, hc.ID, profile, true, t0)
		if err != nil {
			return err
		}
		session.UserID = u.ID
		if err := tx.OpenSession(ctx, nil, session); err != nil {
			return err
		}
		return tx.LogEvent(ctx, &models.Event{HelpCenterID: hc.ID, CreatedAt: t0, Event: models.EventRedirectSucceeded,
			Email: profile.Email, JTI: key.Key})
	}
	nothingWritten := func(when string) {
		t.Helper()
		if live, err := st.PendingKeyIssued(ctx, hc.ID, key.Key, t0); err != nil || !live {
			t.Fatalf("%s: the key was consumed (%v)", when, err)
		}
		if _, err := st.UserByEmail(ctx, hc.ID, profile.Email); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("%s: the user was created (%v)", when, err)
		}
		if n := CountVisitorSessions(t, dsn, hc.ID); n != 0 {
			t.Fatalf("%s: %d sessions", when, n)
		}
		if n := CountRows(t, dsn, "used_jtis"); n != 0 {
			t.Fatalf("%s: %d jtis taken", when, n)
		}
		if evs := Events(t, dsn, hc.ID); len(evs) != 0 {
			t.Fatalf("%s: %d events", when, len(evs))
		}
	}

	boom := errors.New("boom")
	if err := st.InSignIn(ctx, func(ctx context.Context, tx *store.SignIn) error {
		if err := signIn(ctx, tx); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("a failing sign-in returned %v, want its error", err)
	}
	nothingWritten("after an error")
	if err := st.InSignIn(ctx, func(ctx context.Context, tx *store.SignIn) error {
		if err := signIn(ctx, tx); err != nil {
			return err
		}
		panic("a bug in the sign-in")
	}); err == nil || !strings.Contains(err.Error(), "a bug in the sign-in") {
		t.Fatalf("a panicking sign-in returned %v", err)
	}
	nothingWritten("after a panic")

	// The store goes on working, and the same sign-in now commits whole.
	if err := st.InSignIn(ctx, signIn); err != nil {
		t.Fatal(err)
	}
	if live, _ := st.PendingKeyIssued(ctx, hc.ID, key.Key, t0); live {
		t.Fatal("the key is still live after the sign-in")
	}
	sess, user, err := st.VisitorSession(ctx, hc.ID, session.IDHash, t0)
	if err != nil || user.Email != profile.Email || sess.JTI != key.Key || sess.ReturnTo != "/welcome" || !sess.ExpiresAt.Equal(session.ExpiresAt) {
		t.Fatalf("session %+v of %+v (%v)", sess, user, err)
	}
	if user.LastSignInAt == nil || !user.LastSignInAt.Equal(t0) || !user.CreatedAt.Equal(t0) {
		t.Fatalf("user times %+v", user)
	}
	if evs := Events(t, dsn, hc.ID); len(evs) != 1 || evs[0].Event != models.EventRedirectSucceeded || evs[0].JTI != key.Key {
		t.Fatalf("events %+v", evs)
	}
	if ok, err := st.HasSignIn(ctx, hc.ID); err != nil || !ok {
		t.Fatalf("HasSignIn after a sign-in: %v %v", ok, err)
	}

	// A rejection is no error: its jti stays taken and its row stays.
	if err := st.InSignIn(ctx, func(ctx context.Context, tx *store.SignIn) error {
		if _, err := tx.RecordJTI(ctx, hc.ID, "rejected-jti", t0.Add(time.Hour)); err != nil {
			return err
		}
		return tx.LogEvent(ctx, &models.Event{HelpCenterID: hc.ID, CreatedAt: t0, Event: models.EventRedirectRejected, Reason: "jwt_unknown_key"})
	}); err != nil {
		t.Fatal(err)
	}
	if recordJTI(t, st, hc.ID, "rejected-jti") {
		t.Fatal("a rejected token's jti was freed")
	}
	if evs := Events(t, dsn, hc.ID); len(evs) != 2 || evs[1].Reason != "jwt_unknown_key" {
		t.Fatalf("events after a rejection %+v", evs)
	}
}

// The states of a pending key, as the gate (PendingKeyLive, inside a
// sign-in) and the token tester (PendingKeyIssued, outside one) see them.
func testPendingKeyStates(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	hc := workspace(t, st, "acme")
	live, _ := newPendingKey("browser", "/a", t0)
	expired, _ := newPendingKey("browser", "/b", t0.Add(-pendingKeyLifetime-time.Second))
	used, _ := newPendingKey("browser", "/c", t0)
	for _, k := range []models.PendingKey{live, expired, used} {
		if err := st.SavePendingKey(ctx, hc.ID, k); err != nil {
			t.Fatal(err)
		}
	}
	// The same key twice is refused: one key, one row.
	if err := st.SavePendingKey(ctx, hc.ID, live); err == nil {
		t.Error("a pending key was saved twice")
	}
	if err := st.InSignIn(ctx, func(ctx context.Context, tx *store.SignIn) error {
		_, ok, err := tx.ConsumePendingKey(ctx, hc.ID, used.Key, used.BrowserHash, t0)
		if !ok {
			t.Error("a fresh key did not consume")
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		key  string
		at   time.Time
		want bool
	}{
		{"live", live.Key, t0, true},
		{"live, a moment before it expires", live.Key, live.ExpiresAt.Add(-time.Millisecond), true},
		{"live, as it expires", live.Key, live.ExpiresAt, false},
		{"expired", expired.Key, t0, false},
		{"used", used.Key, t0, false},
		{"unknown", "never-issued", t0, false},
	} {
		issued, err := st.PendingKeyIssued(ctx, hc.ID, c.key, c.at)
		if err != nil || issued != c.want {
			t.Errorf("PendingKeyIssued(%s) = %v %v, want %v", c.name, issued, err, c.want)
		}
		st.InSignIn(ctx, func(ctx context.Context, tx *store.SignIn) error {
			if ok, err := tx.PendingKeyLive(ctx, hc.ID, c.key, c.at); err != nil || ok != c.want {
				t.Errorf("PendingKeyLive(%s) = %v %v, want %v", c.name, ok, err, c.want)
			}
			// Another browser's hash: live, yet never consumed.
			if _, ok, err := tx.ConsumePendingKey(ctx, hc.ID, c.key, hashBrowser("another browser"), c.at); err != nil || ok {
				t.Errorf("%s key consumed by another browser: %v %v", c.name, ok, err)
			}
			return nil
		})
	}
	// An expired key never consumes, even by its own browser.
	st.InSignIn(ctx, func(ctx context.Context, tx *store.SignIn) error {
		if _, ok, _ := tx.ConsumePendingKey(ctx, hc.ID, expired.Key, expired.BrowserHash, t0); ok {
			t.Error("an expired key consumed")
		}
		if _, ok, _ := tx.ConsumePendingKey(ctx, hc.ID, used.Key, used.BrowserHash, t0); ok {
			t.Error("a used key consumed again")
		}
		return nil
	})
}

// A ban ends the user's sessions and records their revocations; a banned
// user's session, however it came to be, signs nobody in; unbanning an
// unknown email creates nobody.
func testBanEndsSessions(t *testing.T, be Backend) {
	st, dsn := freshDSN(t, be)
	ctx := context.Background()
	hc := workspace(t, st, "acme")
	jane := provision(t, st, hc.ID, models.Profile{Email: "jane@example.com", Name: "Jane", Role: models.RoleViewer})
	bob := provision(t, st, hc.ID, models.Profile{Email: "bob@example.com", Name: "Bob", Role: models.RoleViewer})
	s1 := openSession(t, st, hc.ID, jane.ID, "jane-laptop", nil, t0.Add(time.Hour))
	s2 := openSession(t, st, hc.ID, jane.ID, "jane-phone", nil, t0.Add(time.Hour))
	sb := openSession(t, st, hc.ID, bob.ID, "bob", nil, t0.Add(time.Hour))

	if n, created, err := st.SetUserBanned(ctx, hc.ID, " JANE@example.com ", true); err != nil || n != 1 || created {
		t.Fatalf("ban: %d %v %v", n, created, err)
	}
	for _, s := range []*models.VisitorSession{s1, s2} {
		if _, _, err := st.VisitorSession(ctx, hc.ID, s.IDHash, t0); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a banned user's session %s still signs in (%v)", s.IDHash, err)
		}
	}
	if _, u, err := st.VisitorSession(ctx, hc.ID, sb.IDHash, t0); err != nil || u.ID != bob.ID {
		t.Fatalf("banning Jane ended Bob's session: %v", err)
	}
	if n := CountVisitorSessions(t, dsn, hc.ID); n != 1 {
		t.Fatalf("%d sessions left, want Bob's", n)
	}
	revs, err := st.RevocationsSince(ctx, 0, t0, t0)
	if err != nil || len(revs) != 2 {
		t.Fatalf("revocations %+v %v", revs, err)
	}
	var revoked []string
	for _, r := range revs {
		if r.HelpCenterID != hc.ID || !r.ExpiresAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("revocation %+v", r)
		}
		revoked = append(revoked, string(r.IDHash))
	}
	slices.Sort(revoked)
	if want := []string{string(s1.IDHash), string(s2.IDHash)}; !slices.Equal(revoked, want) {
		t.Fatalf("revoked %q, want %q", revoked, want)
	}

	if u, _ := st.UserByEmail(ctx, hc.ID, "jane@example.com"); !u.Banned {
		t.Fatal("UserByEmail does not show the ban")
	}
	// Banning again finds the user, creates no second one.
	if n, created, _ := st.SetUserBanned(ctx, hc.ID, "jane@example.com", true); n != 1 || created {
		t.Fatalf("second ban: %d %v", n, created)
	}
	// A session opened for a banned user (the check and the ban crossing)
	// still signs nobody in, until the ban is lifted.
	s3 := openSession(t, st, hc.ID, jane.ID, "jane-race", nil, t0.Add(time.Hour))
	if _, _, err := st.VisitorSession(ctx, hc.ID, s3.IDHash, t0); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("a banned user's new session signs in (%v)", err)
	}
	if n, created, err := st.SetUserBanned(ctx, hc.ID, "jane@example.com", false); err != nil || n != 1 || created {
		t.Fatalf("unban: %d %v %v", n, created, err)
	}
	if _, u, err := st.VisitorSession(ctx, hc.ID, s3.IDHash, t0); err != nil || u.Banned {
		t.Fatalf("unbanned user's session: %v", err)
	}
	if n, created, err := st.SetUserBanned(ctx, hc.ID, "nobody@example.com", false); err != nil || n != 0 || created {
		t.Fatalf("unbanning an unknown email: %d %v %v", n, created, err)
	}
	if _, err := st.UserByEmail(ctx, hc.ID, "nobody@example.com"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("unbanning an unknown email created a user: %v", err)
	}
	if got := CountRows(t, dsn, "users"); got != 2 {
		t.Fatalf("%d users, want Jane and Bob", got)
	}
}

// Ending a session: logout records the revocation once, a second logout
// or an unknown id records nothing; revocations are listed by id and by
// time, and no longer once they expire.
func testEndVisitorSession(t *testing.T, be Backend) {
	st, c := freshClock(t, be)
	ctx := context.Background()
	hc := workspace(t, st, "acme")
	u := provision(t, st, hc.ID, models.Profile{Email: "jane@example.com", Name: "Jane", Role: models.RoleViewer})
	s1 := openSession(t, st, hc.ID, u.ID, "one", nil, t0.Add(time.Hour))
	s2 := openSession(t, st, hc.ID, u.ID, "two", nil, t0.Add(2*time.Hour))
	if err := st.EndVisitorSession(ctx, hc.ID, s1.IDHash); err != nil {
		t.Fatal(err)
	}
	for _, id := range [][]byte{s1.IDHash, sessionID("unknown")} {
		if err := st.EndVisitorSession(ctx, hc.ID, id); err != nil {
			t.Fatalf("ending an ended or unknown session: %v", err)
		}
	}
	first, err := st.RevocationsSince(ctx, 0, t0.Add(time.Hour), t0)
	if err != nil || len(first) != 1 || string(first[0].IDHash) != string(s1.IDHash) || !first[0].CreatedAt.Equal(t0) {
		t.Fatalf("revocations %+v %v", first, err)
	}
	if _, _, err := st.VisitorSession(ctx, hc.ID, s2.IDHash, t0); err != nil {
		t.Fatalf("ending one session ended another: %v", err)
	}
	later := c.Advance(time.Minute)
	if err := st.EndVisitorSession(ctx, hc.ID, s2.IDHash); err != nil {
		t.Fatal(err)
	}
	// After the first one's id: only the second. Re-reading the recent
	// window brings back what was recorded since.
	if revs, _ := st.RevocationsSince(ctx, first[0].ID, later.Add(time.Hour), t0); len(revs) != 1 || string(revs[0].IDHash) != string(s2.IDHash) {
		t.Fatalf("after id %d: %+v", first[0].ID, revs)
	}
	if revs, _ := st.RevocationsSince(ctx, first[0].ID+1000, later, t0); len(revs) != 1 || !revs[0].CreatedAt.Equal(later) {
		t.Fatalf("since %v: %+v", later, revs)
	}
	// Once the first session would have expired, its revocation is no
	// longer news.
	if revs, _ := st.RevocationsSince(ctx, 0, t0, t0.Add(time.Hour)); len(revs) != 1 || string(revs[0].IDHash) != string(s2.IDHash) {
		t.Fatalf("at the first session's expiry: %+v", revs)
	}
}
