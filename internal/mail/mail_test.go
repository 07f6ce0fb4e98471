package mail_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"helpcenter/internal/mail"
	"helpcenter/internal/markdown"
	"helpcenter/internal/secrets"
	"helpcenter/internal/testdb"
	"helpcenter/internal/testsmtp"
	"helpcenter/models"
	"helpcenter/store"
)

const from = "helpcenter <no-reply@helpcenter.test>"

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func openStore(t *testing.T, dsn string, now func() time.Time) *store.Store {
	t.Helper()
	keys, _ := secrets.Derive("mail-test-master-key-0123456789abcdef")
	box, _ := secrets.NewBox(keys.AtRest)
	st, err := store.Open(context.Background(), dsn, store.Options{Sealer: box, PlainText: markdown.Text, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func smtpURL(t *testing.T, raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestSMTPDeliversPlainTextAndHTML(t *testing.T) {
	srv := testsmtp.StartAuth(t, "mailer", "s3cret pass")
	c := &clock{now: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	st := openStore(t, testdb.DSN(t), c.Now)
	defer st.Close()
	link := "http://localhost:8080/invitations/abc123"
	m := mail.Invitation("new@acme.test", "Acme <Corp>", "admin@acme.test", models.TeamEditor, link)
	if err := st.EnqueueMail(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	q := &mail.Queue{Store: st, Sender: mail.SMTP{URL: smtpURL(t, srv.URL), Timeout: 5 * time.Second, Roots: srv.Roots}, From: from, Now: c.Now, Log: slog.New(slog.DiscardHandler)}
	if err := q.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if queue, _ := st.MailQueue(context.Background(), 1); queue[0].Status != store.MailSent {
		t.Fatalf("not sent: %s", queue[0].LastError)
	}
	got := srv.Await("new@acme.test", 5*time.Second)
	if !got.TLS {
		t.Error("the mail came without STARTTLS, which the server offered")
	}
	if got.From != "no-reply@helpcenter.test" {
		t.Errorf("envelope from %q", got.From)
	}
	if got.Subject != "admin@acme.test invited you to Acme <Corp> on helpcenter" {
		t.Errorf("subject %q", got.Subject)
	}
	if got.Link("/invitations/") != link || !strings.Contains(got.Text, "as Editor") {
		t.Errorf("plain-text part lacks the link or the role:\n%s", got.Text)
	}
	if !strings.Contains(got.HTML, `href="`+link+`"`) || !strings.Contains(got.HTML, "Acme &lt;Corp&gt;") {
		t.Errorf("HTML part lacks the link or does not escape the workspace name:\n%s", got.HTML)
	}
	queue, _ := st.MailQueue(context.Background(), 10)
	if len(queue) != 1 || queue[0].Status != store.MailSent || queue[0].Attempts != 1 {
		t.Errorf("queue after delivery: %+v", queue)
	}
}

// A mail queued while the SMTP server is down, by a process that then
// stops, is delivered by the next process once the server is back.
func TestQueueSurvivesRestartWithSMTPDown(t *testing.T) {
	srv := testsmtp.Start(t)
	srv.Stop()
	c := &clock{now: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	dsn := testdb.DSN(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))

	st := openStore(t, dsn, c.Now)
	if err := st.EnqueueMail(context.Background(), mail.PasswordReset("admin@acme.test", "http://localhost:8080/password/reset/tok")); err != nil {
		t.Fatal(err)
	}
	sender := mail.SMTP{URL: smtpURL(t, srv.URL), Timeout: 2 * time.Second, Roots: srv.Roots}
	q := &mail.Queue{Store: st, Sender: sender, From: from, Now: c.Now, Log: log}
	if err := q.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	queue, _ := st.MailQueue(context.Background(), 10)
	if len(queue) != 1 || queue[0].Status != store.MailQueued || queue[0].Attempts != 1 || queue[0].LastError == "" {
		t.Fatalf("after a failed attempt: %+v", queue)
	}
	if !queue[0].NextAttemptAt.Equal(c.Now().Add(mail.FirstRetry)) {
		t.Errorf("next attempt at %s, want now + %s", queue[0].NextAttemptAt, mail.FirstRetry)
	}
	if !strings.Contains(logs.String(), "will retry") {
		t.Errorf("the failure is not logged: %s", logs.String())
	}
	st.Close()

	// The next process: the server is back, but the retry is not due yet.
	srv.Restart()
	st = openStore(t, dsn, c.Now)
	defer st.Close()
	q = &mail.Queue{Store: st, Sender: sender, From: from, Now: c.Now, Log: log}
	if err := q.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("sent %d mails before the retry was due", n)
	}
	c.Add(mail.FirstRetry)
	if err := q.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := srv.Await("admin@acme.test", 5*time.Second)
	if got.Link("/password/reset/") == "" {
		t.Errorf("reset mail without its link: %s", got.Text)
	}
	queue, _ = st.MailQueue(context.Background(), 10)
	if queue[0].Status != store.MailSent || queue[0].Attempts != 2 {
		t.Errorf("after delivery: %+v", queue[0])
	}
}

// A mail is given up once retrying would take it past GiveUpAfter.
func TestQueueGivesUp(t *testing.T) {
	c := &clock{now: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	st := openStore(t, testdb.DSN(t), c.Now)
	defer st.Close()
	if err := st.EnqueueMail(context.Background(), models.Mail{To: "a@acme.test", Subject: "s", Text: "t"}); err != nil {
		t.Fatal(err)
	}
	q := &mail.Queue{Store: st, Sender: failing{}, From: from, Now: c.Now, Log: slog.New(slog.DiscardHandler)}
	for range 100 {
		if err := q.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		c.Add(mail.MaxRetry)
	}
	queue, _ := st.MailQueue(context.Background(), 1)
	if queue[0].Status != store.MailFailed || queue[0].LastError != "mailbox unavailable" {
		t.Fatalf("after two days of failures: %+v", queue[0])
	}
	if n := queue[0].Attempts; n < 40 || n > 60 {
		t.Errorf("%d attempts over two days, want about one an hour", n)
	}
}

type failing struct{}

func (failing) Send(context.Context, string, models.Mail) error {
	return errorString("mailbox unavailable")
}

type errorString string

func (e errorString) Error() string { return string(e) }

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		attempts int
		want     time.Duration
	}{{1, 30 * time.Second}, {2, time.Minute}, {3, 2 * time.Minute}, {7, 32 * time.Minute}, {8, time.Hour}, {30, time.Hour}} {
		if got := mail.Backoff(tc.attempts); got != tc.want {
			t.Errorf("Backoff(%d) = %s, want %s", tc.attempts, got, tc.want)
		}
	}
}

// Without HELPCENTER_SMTP_URL a mail is one log line, its link included.
func TestLogSenderWritesOneLineWithTheLink(t *testing.T) {
	var logs bytes.Buffer
	m := mail.PasswordReset("admin@acme.test", "http://localhost:8080/password/reset/tok")
	if err := (mail.Log{Log: slog.New(slog.NewTextHandler(&logs, nil))}).Send(context.Background(), from, m); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, "http://localhost:8080/password/reset/tok") || !strings.Contains(out, "to=admin@acme.test") {
		t.Errorf("log line: %q", out)
	}
}
