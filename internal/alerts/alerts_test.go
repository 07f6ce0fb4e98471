package alerts_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"helpcenter/internal/alerts"
	"helpcenter/internal/markdown"
	"helpcenter/internal/secrets"
	"helpcenter/internal/testdb"
	"helpcenter/models"
	"helpcenter/store"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func setup(t *testing.T) (*store.Store, *clock, *models.HelpCenter, *alerts.Runner) {
	t.Helper()
	keys, _ := secrets.Derive("alerts-test-master-key-0123456789abcdef")
	box, _ := secrets.NewBox(keys.AtRest)
	c := &clock{now: time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC)}
	st, err := store.Open(context.Background(), testdb.DSN(t), store.Options{Sealer: box, PlainText: markdown.Text, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, hc, _, err := st.CreateWorkspace(context.Background(), store.NewWorkspace{Name: "Acme", Subdomain: "acme", AdminEmail: "owner@acme.test", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	r := &alerts.Runner{Store: st, Now: c.Now, ConsoleURL: "http://localhost:8080", Log: slog.New(slog.DiscardHandler)}
	return st, c, hc, r
}

// reject writes n rejected sign-ins with reason at the clock's time.
func reject(t *testing.T, st *store.Store, c *clock, hcID int64, reason string, n int) {
	t.Helper()
	rows := make([]models.Event, n)
	for i := range rows {
		rows[i] = models.Event{CreatedAt: c.Now(), Event: models.EventRedirectRejected, Reason: reason, Detail: "d"}
	}
	if _, err := st.InsertEvents(context.Background(), hcID, slices.Values(rows)); err != nil {
		t.Fatal(err)
	}
}

func queued(t *testing.T, st *store.Store) []store.QueuedMail {
	t.Helper()
	ms, err := st.MailQueue(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// A broken signer at 3 a.m.: the spike fires one alert to each owner and
// admin (not an editor), naming the reasons, and not again within the hour.
func TestRejectionsAlertFiresOncePerHour(t *testing.T) {
	st, c, hc, r := setup(t)
	ctx := context.Background()
	if _, err := st.Invite(ctx, store.NewInvitation{WorkspaceID: hc.WorkspaceID, HelpCenterID: hc.ID, Email: "ed@acme.test", Role: models.TeamEditor, Token: "t1", Actor: "x", Mail: models.Mail{To: "ed@acme.test", Subject: "s", Text: "t"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AcceptInvitation(ctx, "t1", "h", &models.AdminSession{IDHash: []byte("s-0123456789abcdef0123456789abcd"), CreatedAt: c.Now(), ExpiresAt: c.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	base := len(queued(t, st))
	if err := st.SaveAlertRules(ctx, hc.ID, 20, false, "owner@acme.test"); err != nil {
		t.Fatal(err)
	}
	reject(t, st, c, hc.ID, "jwt_invalid_signature", 15)
	if err := r.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(queued(t, st)) - base; n != 0 {
		t.Fatalf("%d mails below the threshold", n)
	}
	c.Add(3 * time.Minute)
	reject(t, st, c, hc.ID, "jwt_invalid_signature", 10)
	reject(t, st, c, hc.ID, "jwt_expired", 2)
	if err := r.Check(ctx); err != nil {
		t.Fatal(err)
	}
	ms := queued(t, st)[:len(queued(t, st))-base]
	if len(ms) != 1 || ms[0].ToAddr != "acme@example.com" && ms[0].ToAddr != "owner@acme.test" {
		t.Fatalf("mails: %+v", ms)
	}
	m := ms[0]
	for _, want := range []string{"27 sign-ins to Acme were rejected", "25 × jwt_invalid_signature — Invalid signature", "2 × jwt_expired",
		"http://localhost:8080/settings/logs?reason=jwt_invalid_signature"} {
		if !strings.Contains(m.TextBody, want) {
			t.Errorf("alert lacks %q:\n%s", want, m.TextBody)
		}
	}
	if m.Subject != "[Acme] 27 sign-ins rejected in 10 minutes" {
		t.Errorf("subject %q", m.Subject)
	}
	// Still failing: no second alert within the hour…
	for range 5 {
		c.Add(10 * time.Minute)
		reject(t, st, c, hc.ID, "jwt_invalid_signature", 30)
		if err := r.Check(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(queued(t, st)) - base; n != 1 {
		t.Fatalf("%d alerts within the hour", n)
	}
	// …and one more once the hour is over.
	c.Add(10 * time.Minute)
	reject(t, st, c, hc.ID, "jwt_invalid_signature", 30)
	if err := r.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(queued(t, st)) - base; n != 2 {
		t.Fatalf("%d alerts after an hour, want 2", n)
	}
}

// A reason that jumps after a settings change is named with the change.
func TestReasonJumpAfterASettingsChange(t *testing.T) {
	st, c, hc, r := setup(t)
	ctx := context.Background()
	if err := st.SaveAlertRules(ctx, hc.ID, 0, true, "owner@acme.test"); err != nil {
		t.Fatal(err)
	}
	// A steady trickle of expired tokens the hour before.
	for range 6 {
		reject(t, st, c, hc.ID, "jwt_expired", 2)
		c.Add(10 * time.Minute)
	}
	if err := st.SetSSOEnabled(ctx, hc.WorkspaceID, hc.ID, true, "owner@acme.test"); err != nil {
		t.Fatal(err)
	}
	change, _ := st.LastSettingsChange(ctx, hc.ID)
	c.Add(2 * time.Minute)
	reject(t, st, c, hc.ID, "jwt_expired", 1)
	reject(t, st, c, hc.ID, "jwt_issuer_mismatch", 8)
	if err := r.Check(ctx); err != nil {
		t.Fatal(err)
	}
	ms := queued(t, st)
	if len(ms) != 1 || ms[0].Subject != "[Acme] jwt_issuer_mismatch jumped after a settings change" {
		t.Fatalf("mails: %+v", ms)
	}
	if !strings.Contains(ms[0].TextBody, `"`+change.Action+`" by owner@acme.test`) || !strings.Contains(ms[0].TextBody, "rejected 8 sign-ins") {
		t.Errorf("alert: %s", ms[0].TextBody)
	}
}

func TestJumped(t *testing.T) {
	for _, tc := range []struct {
		name          string
		after, before map[string]int64
		since         time.Duration
		want          string
	}{
		{"a new reason", map[string]int64{"jwt_issuer_mismatch": 5}, nil, 5 * time.Minute, "jwt_issuer_mismatch"},
		{"too few", map[string]int64{"jwt_issuer_mismatch": 4}, nil, 5 * time.Minute, ""},
		{"the usual rate", map[string]int64{"jwt_expired": 10}, map[string]int64{"jwt_expired": 60}, 10 * time.Minute, ""},
		{"five times the rate", map[string]int64{"jwt_expired": 50}, map[string]int64{"jwt_expired": 60}, 10 * time.Minute, "jwt_expired"},
		{"the bigger jump wins", map[string]int64{"a": 6, "b": 9}, nil, 5 * time.Minute, "b"},
	} {
		got, ok := alerts.Jumped(tc.after, tc.before, tc.since)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%s: %q %v", tc.name, got, ok)
		}
	}
}
