package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"helpcenter/models"
	"helpcenter/store"
)

func session(id string) *models.AdminSession {
	return &models.AdminSession{IDHash: []byte(id + "-0123456789abcdef0123456789abcdef")[:32], CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
}

// An invitation is accepted once; the last owner can neither be demoted
// nor removed, even by two owners demoting each other at once.
func testTeam(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	hc := workspace(t, st, "acme")
	owner, err := st.AdminByEmail(ctx, "acme@example.com")
	if err != nil || owner.Role != models.TeamOwner {
		t.Fatalf("the signup's admin: %+v %v", owner, err)
	}
	mail := models.Mail{To: "two@acme.test", Subject: "s", Text: "t"}
	if _, err := st.Invite(ctx, store.NewInvitation{WorkspaceID: hc.WorkspaceID, HelpCenterID: hc.ID, Email: "Two@Acme.test", Role: models.TeamOwner, Token: "tok-1", Actor: owner.Email, Mail: mail}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Invite(ctx, store.NewInvitation{WorkspaceID: hc.WorkspaceID, HelpCenterID: hc.ID, Email: "acme@example.com", Role: models.TeamAdmin, Token: "tok-x", Actor: owner.Email, Mail: mail}); !errors.As(err, new(*models.ConflictError)) {
		t.Fatalf("inviting an admin's email: %v", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = st.AcceptInvitation(ctx, "tok-1", "hash", session(string(rune('a'+i))))
		}()
	}
	wg.Wait()
	accepted := 0
	for _, err := range errs {
		switch {
		case err == nil:
			accepted++
		case !errors.Is(err, models.ErrNotFound):
			t.Fatalf("accept: %v", err)
		}
	}
	if accepted != 1 {
		t.Fatalf("one link accepted %d times", accepted)
	}
	admins, invs, err := st.Team(ctx, hc.WorkspaceID)
	if err != nil || len(admins) != 2 || len(invs) != 0 || admins[1].Email != "two@acme.test" || admins[1].Role != models.TeamOwner {
		t.Fatalf("team: %+v %+v %v", admins, invs, err)
	}
	queue, _ := st.MailQueue(ctx, 10)
	if len(queue) != 1 {
		t.Errorf("%d mails queued for one invitation", len(queue))
	}

	// Two owners demote each other at once: one stays owner.
	var demotions sync.WaitGroup
	results := make([]error, 2)
	for i, a := range admins {
		demotions.Add(1)
		go func() {
			defer demotions.Done()
			results[i] = st.SetAdminRole(ctx, hc.WorkspaceID, hc.ID, a.ID, models.TeamAdmin, "test")
		}()
	}
	demotions.Wait()
	admins, _, _ = st.Team(ctx, hc.WorkspaceID)
	owners := 0
	for _, a := range admins {
		if a.Role == models.TeamOwner {
			owners++
		}
	}
	if owners != 1 || (results[0] == nil) == (results[1] == nil) {
		t.Fatalf("after two owners demoted each other: %d owners, errors %v", owners, results)
	}
	var last models.Admin
	for _, a := range admins {
		if a.Role == models.TeamOwner {
			last = a
		}
	}
	if err := st.RemoveAdmin(ctx, hc.WorkspaceID, hc.ID, last.ID, "test"); !errors.Is(err, store.ErrLastOwner) {
		t.Fatalf("removing the last owner: %v", err)
	}
	// Another workspace cannot touch this team.
	other := workspace(t, st, "globex")
	if err := st.RemoveAdmin(ctx, other.WorkspaceID, other.ID, last.ID, "test"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("another workspace removes an admin: %v", err)
	}
}

// A reset link is spent once and only within its hour; an unknown email
// gets nothing, and nothing is queued for it.
func testPasswordReset(t *testing.T, be Backend) {
	st, clock := freshClock(t, be)
	ctx := context.Background()
	workspace(t, st, "acme")
	if sent, err := st.StartPasswordReset(ctx, "nobody@acme.test", "tok-0", models.Mail{To: "nobody@acme.test", Subject: "s", Text: "t"}); err != nil || sent {
		t.Fatalf("unknown email: %v %v", sent, err)
	}
	if sent, err := st.StartPasswordReset(ctx, "ACME@example.com", "tok-1", models.Mail{To: "acme@example.com", Subject: "s", Text: "t"}); err != nil || !sent {
		t.Fatalf("known email: %v %v", sent, err)
	}
	if queue, _ := st.MailQueue(ctx, 10); len(queue) != 1 {
		t.Fatalf("%d mails queued", len(queue))
	}
	if _, err := st.ResetPassword(ctx, "tok-1", "new-hash", session("s1")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ResetPassword(ctx, "tok-1", "again", session("s2")); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("a spent link: %v", err)
	}
	a, _ := st.AdminByEmail(ctx, "acme@example.com")
	if a.PasswordHash != "new-hash" {
		t.Fatalf("password hash %q", a.PasswordHash)
	}
	st.StartPasswordReset(ctx, "acme@example.com", "tok-2", models.Mail{To: "acme@example.com", Subject: "s", Text: "t"})
	clock.Advance(models.PasswordResetTTL + time.Second)
	if _, err := st.ResetPassword(ctx, "tok-2", "late", session("s3")); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("a link past its hour: %v", err)
	}
}

// Two instances draining one queue send each mail once.
func testMailClaimedOnce(t *testing.T, be Backend) {
	st, dsn := freshDSN(t, be)
	ctx := context.Background()
	for range 30 {
		if err := st.EnqueueMail(ctx, models.Mail{To: "a@acme.test", Subject: "s", Text: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	other := be.Open(t, dsn, func() time.Time { return t0 })
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for _, s := range []*store.Store{st, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				ms, err := s.ClaimMail(ctx, t0, time.Minute, 7)
				if err != nil {
					t.Error(err)
					return
				}
				if len(ms) == 0 {
					return
				}
				mu.Lock()
				for _, m := range ms {
					seen[m.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 30 {
		t.Fatalf("%d of 30 mails claimed", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("mail %d claimed %d times", id, n)
		}
	}
	// A claim not settled returns when its lease runs out.
	if ms, _ := st.ClaimMail(ctx, t0.Add(time.Minute), time.Minute, 100); len(ms) != 30 || ms[0].Attempts != 2 {
		t.Fatalf("after the lease: %d mails", len(ms))
	}
}

// PutUser creates, adopts and updates; RevokeSessionsOf and DeleteUser
// end sessions; keyset pages and prefix search of the directory.
func testUsersDirectory(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	hc := workspace(t, st, "acme")
	u, created, err := st.PutUser(ctx, hc.ID, store.UserInput{Email: "Jane@Example.com", Name: "Jane Doe", Role: models.RoleViewer}, "test")
	if err != nil || !created {
		t.Fatal(err)
	}
	adopted, created, err := st.PutUser(ctx, hc.ID, store.UserInput{ExternalID: "u-1", Email: "jane@example.com", Name: "Jane", Role: models.RoleEditor, Groups: []string{"a"}}, "test")
	if err != nil || created || adopted.ID != u.ID || adopted.ExternalID != "u-1" {
		t.Fatalf("adopt by email: %+v %v %v", adopted, created, err)
	}
	if _, _, err := st.PutUser(ctx, hc.ID, store.UserInput{ExternalID: "u-1", Email: "new@example.com", Name: "Jane", Role: models.RoleEditor}, "test"); err != nil {
		t.Fatal(err)
	}
	got, _ := st.User(ctx, hc.ID, u.ID)
	if got.EmailLower != "new@example.com" || got.FirstSignInAt != nil {
		t.Fatalf("after an email change: %+v", got)
	}
	for i := range 9 {
		st.PutUser(ctx, hc.ID, store.UserInput{Email: "user" + string(rune('0'+i)) + "@acme.test", Name: "Zed " + string(rune('a'+i)), Role: models.RoleViewer}, "test")
	}
	page, _ := st.Users(ctx, hc.ID, store.UserFilter{}, 0, 4)
	next, _ := st.Users(ctx, hc.ID, store.UserFilter{}, page[3].ID, 100)
	if len(page) != 4 || len(next) != 6 || next[0].ID >= page[3].ID {
		t.Fatalf("pages of %d and %d", len(page), len(next))
	}
	for q, want := range map[string]int{"zed": 9, "ZED A": 1, "user1@": 1, "new@": 1, "jane": 1, "nobody": 0, "ed": 0} {
		if us, err := st.Users(ctx, hc.ID, store.UserFilter{Query: q}, 0, 100); err != nil || len(us) != want {
			t.Errorf("search %q: %d users (%v), want %d", q, len(us), err, want)
		}
	}
	other := workspace(t, st, "globex")
	if us, _ := st.Users(ctx, other.ID, store.UserFilter{}, 0, 100); len(us) != 0 {
		t.Errorf("another help center lists %d users", len(us))
	}
	if _, err := st.RevokeSessionsOf(ctx, other.ID, "u-1", "", "test"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("revoke in another help center: %v", err)
	}
	if err := st.DeleteUser(ctx, other.ID, "u-1", "test"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("delete in another help center: %v", err)
	}
	if err := st.DeleteUser(ctx, hc.ID, "u-1", "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.User(ctx, hc.ID, u.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("a deleted user: %v", err)
	}
}

// An API key is found by its secret while live, and only then.
func testAPIKeys(t *testing.T, be Backend) {
	st := fresh(t, be)
	ctx := context.Background()
	hc := workspace(t, st, "acme")
	k, err := st.CreateAPIKey(ctx, hc.ID, "Backend", "hcapi_SECRET", "hcapi_SE", []models.APIScope{models.ScopeUsersRead, models.ScopeLogsRead}, "test")
	if err != nil {
		t.Fatal(err)
	}
	found, err := st.APIKeyBySecret(ctx, "hcapi_SECRET", t0)
	if err != nil || found.ID != k.ID || !found.Allows(models.ScopeLogsRead) || found.Allows(models.ScopeUsersWrite) || found.LastUsedAt == nil {
		t.Fatalf("by secret: %+v %v", found, err)
	}
	if _, err := st.APIKeyBySecret(ctx, "hcapi_OTHER", t0); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("a wrong secret: %v", err)
	}
	other := workspace(t, st, "globex")
	if err := st.RevokeAPIKey(ctx, other.ID, k.ID, "test"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("revoked from another help center: %v", err)
	}
	if err := st.RevokeAPIKey(ctx, hc.ID, k.ID, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.APIKeyBySecret(ctx, "hcapi_SECRET", t0); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("a revoked key: %v", err)
	}
	keys, _ := st.APIKeys(ctx, hc.ID)
	if len(keys) != 1 || keys[0].RevokedAt == nil || string(keys[0].Hash) == "hcapi_SECRET" {
		t.Fatalf("list: %+v", keys)
	}
}

// The audit trail is kept as long as events (HELPCENTER_EVENT_RETENTION).
func testAuditRetention(t *testing.T, be Backend) {
	st, clock := freshClock(t, be)
	ctx := context.Background()
	hc := workspace(t, st, "acme")
	if err := st.SaveAlertRules(ctx, hc.ID, 10, false, "old@acme.test"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(48 * time.Hour)
	if err := st.SaveAlertRules(ctx, hc.ID, 20, false, "new@acme.test"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Purge(ctx, clock.Now(), clock.Now().Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	entries, _ := st.AuditLog(ctx, hc.ID, 10)
	if len(entries) != 1 || entries[0].Actor != "new@acme.test" {
		t.Fatalf("after the purge: %+v", entries)
	}
}
