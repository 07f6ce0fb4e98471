package webhooks_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"helpcenter/internal/markdown"
	"helpcenter/internal/safehttp"
	"helpcenter/internal/secrets"
	"helpcenter/internal/testdb"
	"helpcenter/internal/webhooks"
	"helpcenter/models"
	"helpcenter/store"
)

// The Standard Webhooks reference's published vector, and the same HMAC
// computed by hand.
func TestSignMatchesTheStandard(t *testing.T) {
	const secret, id, ts, body = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", int64(1614265330), `{"test": 2432232314}`
	got, err := webhooks.Sign(secret, id, ts, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if got != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" {
		t.Errorf("signature %s", got)
	}
	key, _ := base64.StdEncoding.DecodeString("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + ".1614265330." + body))
	if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); got != want {
		t.Errorf("by hand %s, Sign %s", want, got)
	}
	if _, err := webhooks.Sign("whsec_not base64!", id, ts, nil); err == nil {
		t.Error("a malformed secret signs")
	}
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// receiver is a webhook endpoint on loopback that answers as told.
type receiver struct {
	mu       sync.Mutex
	answer   func() int
	received []*http.Request
	bodies   [][]byte
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.received, rc.bodies = append(rc.received, r), append(rc.bodies, body)
	answer := rc.answer
	rc.mu.Unlock()
	w.WriteHeader(answer())
}

func (rc *receiver) count() int { rc.mu.Lock(); defer rc.mu.Unlock(); return len(rc.received) }

// An endpoint that fails, then times out, then recovers gets the event
// once it recovers, signed, after the schedule's waits; a healthy
// endpoint beside it is never held up.
func TestDeliveriesRetryUntilTheEndpointRecovers(t *testing.T) {
	keys, _ := secrets.Derive("webhooks-test-master-key-0123456789abcdef")
	box, _ := secrets.NewBox(keys.AtRest)
	c := &clock{now: time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC)}
	st, err := store.Open(context.Background(), testdb.DSN(t), store.Options{Sealer: box, PlainText: markdown.Text, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	_, hc, _, _ := st.CreateWorkspace(ctx, store.NewWorkspace{Name: "Acme", Subdomain: "acme", AdminEmail: "owner@acme.test", PasswordHash: "x"})

	release := make(chan struct{})
	var state sync.Mutex
	phase := "fail"
	flaky := &receiver{answer: func() int {
		state.Lock()
		p := phase
		state.Unlock()
		switch p {
		case "fail":
			return http.StatusInternalServerError
		case "hang":
			<-release
			return http.StatusOK
		}
		return http.StatusNoContent
	}}
	healthy := &receiver{answer: func() int { return http.StatusOK }}
	flakySrv, healthySrv := httptest.NewServer(flaky), httptest.NewServer(healthy)
	defer flakySrv.Close()
	defer healthySrv.Close()
	defer close(release)

	secret, _ := webhooks.NewSecret()
	if _, err := st.AddWebhook(ctx, hc.ID, flakySrv.URL+"/hook", []string{models.EventRedirectRejected}, secret, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddWebhook(ctx, hc.ID, healthySrv.URL+"/hook", []string{models.EventRedirectRejected, models.EventRedirectSucceeded}, secret, "test"); err != nil {
		t.Fatal(err)
	}
	events := []models.Event{
		{CreatedAt: c.Now(), Event: models.EventRedirectRejected, Reason: "jwt_invalid_signature", Detail: "d", Email: "a@b.test"},
		{CreatedAt: c.Now(), Event: models.EventRedirectSucceeded},
	}
	if _, err := st.InsertEvents(ctx, hc.ID, slices.Values(events)); err != nil {
		t.Fatal(err)
	}
	w := &webhooks.Worker{Store: st, Poster: safehttp.New(safehttp.Options{AllowLoopback: true, Timeout: 300 * time.Millisecond}),
		Now: c.Now, Log: slog.New(slog.DiscardHandler), Jitter: func() float64 { return 1 }}

	if err := w.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if flaky.count() != 1 || healthy.count() != 2 {
		t.Fatalf("first round: flaky %d, healthy %d", flaky.count(), healthy.count())
	}
	// The signature checks out against the headers the endpoint got.
	var rejected bool
	for i, r := range healthy.received {
		body := healthy.bodies[i]
		want, _ := webhooks.Sign(secret, r.Header.Get("Webhook-Id"), c.Now().Unix(), body)
		if r.Header.Get("Webhook-Signature") != want || r.Header.Get("Webhook-Timestamp") != strconv.FormatInt(c.Now().Unix(), 10) ||
			r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("headers %v", r.Header)
		}
		var payload map[string]any
		if err := json.Unmarshal(body, &payload); err != nil {
			t.Fatalf("payload %s", body)
		}
		if payload["type"] == models.EventRedirectRejected && payload["data"].(map[string]any)["reason"] == "jwt_invalid_signature" {
			rejected = true
		}
	}
	if !rejected {
		t.Error("no payload of the rejection")
	}

	// Not due before the first wait (5 s) …
	c.Add(4 * time.Second)
	w.Run(ctx)
	if flaky.count() != 1 {
		t.Fatal("retried before the backoff")
	}
	// … then it hangs past the timeout …
	state.Lock()
	phase = "hang"
	state.Unlock()
	c.Add(time.Second)
	start := time.Now()
	w.Run(ctx)
	if flaky.count() != 2 || time.Since(start) > 3*time.Second {
		t.Fatalf("second attempt: %d, took %s", flaky.count(), time.Since(start))
	}
	ds, _ := st.Deliveries(ctx, hc.ID, 10)
	var flakyDelivery models.WebhookDelivery
	for _, d := range ds {
		if d.Status == models.DeliveryQueued {
			flakyDelivery = d
		}
	}
	if flakyDelivery.Attempts != 2 || flakyDelivery.LastError == "" || !flakyDelivery.NextAttemptAt.Equal(c.Now().Add(5*time.Minute)) {
		t.Fatalf("after the timeout: %+v", flakyDelivery)
	}
	// … and recovers: delivered on the next due attempt.
	state.Lock()
	phase = "ok"
	state.Unlock()
	c.Add(5 * time.Minute)
	if err := w.Run(ctx); err != nil {
		t.Fatal(err)
	}
	ds, _ = st.Deliveries(ctx, hc.ID, 10)
	for _, d := range ds {
		if d.Status != models.DeliveryDelivered {
			t.Errorf("delivery %d: %s after %d attempts (%s)", d.ID, d.Status, d.Attempts, d.LastError)
		}
	}
	if healthy.count() != 2 {
		t.Errorf("the healthy endpoint got %d posts, want 2", healthy.count())
	}
	// Resend queues a delivered one again.
	if err := st.ResendDelivery(ctx, hc.ID, ds[0].ID, "test"); err != nil {
		t.Fatal(err)
	}
	before := flaky.count() + healthy.count()
	w.Run(ctx)
	if flaky.count()+healthy.count() != before+1 {
		t.Error("Resend did not post again")
	}
}

// A delivery that keeps failing is given up after 24 hours.
func TestBackoffAndGiveUp(t *testing.T) {
	for _, tc := range []struct {
		attempts int
		want     time.Duration
	}{{1, 5 * time.Second}, {2, 5 * time.Minute}, {3, 30 * time.Minute}, {4, 2 * time.Hour}, {7, 10 * time.Hour}, {12, 10 * time.Hour}} {
		if got := webhooks.Backoff(tc.attempts); got != tc.want {
			t.Errorf("Backoff(%d) = %s, want %s", tc.attempts, got, tc.want)
		}
	}
	var total time.Duration
	n := 0
	for total <= webhooks.GiveUpAfter {
		n++
		total += webhooks.Backoff(n)
	}
	if n < 6 || n > 8 {
		t.Errorf("%d attempts within a day", n)
	}
}
