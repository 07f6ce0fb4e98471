// Package mail sends the product's mail: through HELPCENTER_SMTP_URL with
// wneessen/go-mail (STARTTLS when the server offers it, or SMTPS), or to
// the log when no SMTP server is set. Every mail goes through the queue
// in the database (store.QueuedMail), so a request never waits on an SMTP
// server and a mail outlives a restart or an outage of it.
package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"

	"helpcenter/models"
)

// Sender delivers one mail.
type Sender interface {
	Send(ctx context.Context, from string, m models.Mail) error
}

// SMTP sends through an SMTP server named by an smtp:// or smtps:// URL.
type SMTP struct {
	URL     *url.URL
	Timeout time.Duration
	// Roots verifies the server's certificate; nil is the system's.
	Roots *x509.CertPool
}

// Send dials the server, sends m and hangs up: the queue sends a few mails
// a minute at most, not worth a pooled connection.
func (s SMTP) Send(ctx context.Context, from string, m models.Mail) error {
	msg, err := message(from, m)
	if err != nil {
		return err
	}
	opts := []gomail.Option{gomail.WithTimeout(s.timeout()),
		gomail.WithTLSConfig(&tls.Config{ServerName: s.URL.Hostname(), RootCAs: s.Roots, MinVersion: tls.VersionTLS12})}
	if s.URL.Scheme == "smtps" {
		opts = append(opts, gomail.WithSSL(), gomail.WithPort(465))
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic), gomail.WithPort(587))
	}
	if p := s.URL.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return fmt.Errorf("SMTP port %q: %w", p, err)
		}
		opts = append(opts, gomail.WithPort(n))
	}
	if user := s.URL.User; user != nil {
		pass, _ := user.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(user.Username()), gomail.WithPassword(pass))
	}
	c, err := gomail.NewClient(s.URL.Hostname(), opts...)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
}

func (s SMTP) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return 20 * time.Second
}

// message builds the MIME message: the plain-text part, and the HTML one
// as its alternative when there is one.
func message(from string, m models.Mail) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("from %q: %w", from, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("to %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// Log writes each mail to the log, one line a message with its text
// (links included): the development default, so `make run` shows
// invitation and reset links.
type Log struct{ Log *slog.Logger }

// Send logs m.
func (l Log) Send(ctx context.Context, from string, m models.Mail) error {
	l.Log.Info("mail (HELPCENTER_SMTP_URL is not set, so it is written here)",
		"from", from, "to", m.To, "subject", m.Subject, "text", m.Text, "request_id", models.RequestID(ctx))
	return nil
}

// QueueStore is the queue's table.
type QueueStore interface {
	ClaimMail(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]models.QueuedMail, error)
	MailDelivered(ctx context.Context, id int64, now time.Time) error
	MailNotDelivered(ctx context.Context, id int64, next time.Time, why string) error
}

// Retry policy: the first retry after FirstRetry, doubling to at most
// MaxRetry between attempts, and given up once a mail is GiveUpAfter old
// (an SMTP server down for two days is an outage an operator has seen).
const (
	FirstRetry  = 30 * time.Second
	MaxRetry    = time.Hour
	GiveUpAfter = 48 * time.Hour
	// lease is how long a claimed mail is left to the instance that took
	// it before another may try: longer than any send takes.
	lease = 2 * time.Minute
	batch = 20
)

// Queue sends what the store's queue holds.
type Queue struct {
	Store  QueueStore
	Sender Sender
	From   string
	Now    func() time.Time
	Log    *slog.Logger
}

// Drain sends every due mail once, recording each outcome; a failure is
// retried later with backoff, never returned (the next drain retries).
func (q *Queue) Drain(ctx context.Context) error {
	for {
		now := q.Now()
		rows, err := q.Store.ClaimMail(ctx, now, lease, batch)
		if err != nil || len(rows) == 0 {
			return err
		}
		for _, r := range rows {
			if err := q.send(ctx, r); err != nil {
				return err
			}
		}
		if len(rows) < batch {
			return nil
		}
	}
}

func (q *Queue) send(ctx context.Context, r models.QueuedMail) error {
	err := q.Sender.Send(models.WithRequestID(ctx, r.RequestID), q.From, r.Mail)
	now := q.Now()
	if err == nil {
		return q.Store.MailDelivered(ctx, r.ID, now)
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil // shutting down: the lease runs out and another try follows
	}
	next := now.Add(Backoff(r.Attempts))
	if next.Sub(r.CreatedAt) > GiveUpAfter {
		next = time.Time{}
		q.Log.Error("mail given up", "to", r.Mail.To, "subject", r.Mail.Subject, "attempts", r.Attempts, "err", err, "request_id", r.RequestID)
	} else {
		q.Log.Warn("mail not sent; will retry", "to", r.Mail.To, "subject", r.Mail.Subject, "attempts", r.Attempts, "retry_at", next, "err", err, "request_id", r.RequestID)
	}
	return q.Store.MailNotDelivered(ctx, r.ID, next, err.Error())
}

// Backoff is the wait after the attempts-th failed attempt.
func Backoff(attempts int) time.Duration {
	d := FirstRetry
	for i := 1; i < attempts && d < MaxRetry; i++ {
		d *= 2
	}
	return min(d, MaxRetry)
}
