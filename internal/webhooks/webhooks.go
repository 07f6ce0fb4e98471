// Package webhooks posts a help center's events to its endpoints by the
// Standard Webhooks scheme (standardwebhooks.com): headers webhook-id,
// webhook-timestamp and webhook-signature, the signature "v1," and the
// base64 HMAC-SHA256 of "id.timestamp.body" under the secret's bytes. The
// scheme is three lines of HMAC, so it is written here rather than taken
// from a library; the test holds it to the reference's published vector.
//
// Deliveries come from the database (store.EnqueueWebhookEvents turns
// committed event rows into them), so a sign-in never waits on an
// endpoint; attempts run concurrently, so one slow endpoint never holds
// up the others.
package webhooks

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"helpcenter/store"
)

// SecretPrefix starts every signing secret, as the standard writes them.
const SecretPrefix = "whsec_"

// NewSecret makes a signing secret: 32 random bytes.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b), nil
}

// Sign is the webhook-signature header of body sent as message id at
// timestamp (Unix seconds).
func Sign(secret, id string, timestamp int64, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil {
		return "", fmt.Errorf("the signing secret is not base64 after %s: %w", SecretPrefix, err)
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%d.", id, timestamp)
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// Poster sends one POST (safehttp.Client: the SSRF rules of JWKS URLs).
type Poster interface {
	Post(ctx context.Context, url string, header http.Header, body []byte) (int, error)
}

// Store is the deliveries' table.
type Store interface {
	EnqueueWebhookEvents(ctx context.Context) (int, error)
	ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.ClaimedDelivery, error)
	DeliveryDone(ctx context.Context, id int64, now time.Time, delivered bool, status int, why string, next time.Time) error
}

// Retry schedule, the standard's: after 5 s, 5 min, 30 min, 2 h, 5 h,
// 10 h, 10 h, each ±20 % so endpoints that failed together do not all
// come back together; given up once a delivery is GiveUpAfter old.
var schedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// GiveUpAfter is how long a delivery is retried.
const GiveUpAfter = 24 * time.Hour

const (
	// Timeout bounds one attempt; lease is longer, so another instance
	// never retries an attempt still running.
	Timeout     = 10 * time.Second
	lease       = time.Minute
	batch       = 50
	concurrency = 8
)

// Backoff is the wait after the attempts-th failed attempt, before jitter.
func Backoff(attempts int) time.Duration {
	return schedule[min(max(attempts, 1), len(schedule))-1]
}

// Worker delivers what the queue holds.
type Worker struct {
	Store  Store
	Poster Poster
	Now    func() time.Time
	Log    *slog.Logger
	// Jitter scales a wait by a factor in [0.8, 1.2); tests pin it.
	Jitter func() float64
}

func (w *Worker) jitter() float64 {
	if w.Jitter != nil {
		return w.Jitter()
	}
	return 0.8 + 0.4*mrand.Float64()
}

// Run turns new events into deliveries and makes one attempt at every
// due one, up to concurrency at a time.
func (w *Worker) Run(ctx context.Context) error {
	if _, err := w.Store.EnqueueWebhookEvents(ctx); err != nil {
		return err
	}
	ds, err := w.Store.ClaimDeliveries(ctx, w.Now(), lease, batch)
	if err != nil {
		return err
	}
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	errs := make([]error, len(ds))
	for i, d := range ds {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = w.attempt(ctx, d)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (w *Worker) attempt(ctx context.Context, d store.ClaimedDelivery) error {
	now := w.Now()
	id := "msg_" + strconv.FormatInt(d.ID, 10)
	body := []byte(d.Payload)
	sig, err := Sign(d.Secret, id, now.Unix(), body)
	if err != nil {
		return w.Store.DeliveryDone(ctx, d.ID, now, false, 0, err.Error(), time.Time{})
	}
	header := http.Header{}
	header.Set("Content-Type", "application/json")
	header.Set("Webhook-Id", id)
	header.Set("Webhook-Timestamp", strconv.FormatInt(now.Unix(), 10))
	header.Set("Webhook-Signature", sig)
	actx, cancel := context.WithTimeout(ctx, Timeout)
	status, err := w.Poster.Post(actx, d.URL, header, body)
	cancel()
	if ctx.Err() != nil {
		return nil // shutting down: the lease runs out and another try follows
	}
	done := w.Now()
	if err == nil && status >= 200 && status < 300 {
		w.Log.Debug("webhook delivered", "webhook", d.WebhookID, "delivery", d.ID, "status", status, "request_id", d.RequestID)
		return w.Store.DeliveryDone(ctx, d.ID, done, true, status, "", time.Time{})
	}
	why := fmt.Sprintf("the endpoint answered %d", status)
	if err != nil {
		why = err.Error()
	}
	next := done.Add(time.Duration(float64(Backoff(d.Attempts)) * w.jitter()))
	if next.Sub(d.CreatedAt) > GiveUpAfter {
		next = time.Time{}
		w.Log.Warn("webhook delivery given up", "webhook", d.WebhookID, "delivery", d.ID, "attempts", d.Attempts, "err", why, "request_id", d.RequestID)
	} else {
		w.Log.Info("webhook delivery failed; will retry", "webhook", d.WebhookID, "delivery", d.ID, "attempts", d.Attempts, "retry_at", next, "err", why, "request_id", d.RequestID)
	}
	return w.Store.DeliveryDone(ctx, d.ID, done, false, status, why, next)
}
