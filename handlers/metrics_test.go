package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"helpcenter/internal/testapp"
	"helpcenter/internal/testdb"
)

const metricsToken = "metrics-token-0123456789abcdef"

// GET /metrics speaks the Prometheus text format, behind its token, with
// the series SPEC section 12 names.
func TestMetrics(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Issuer: "partner-app", LoginURL: partnerLogin, Enabled: true},
		testapp.Options{Env: map[string]string{"HELPCENTER_METRICS_TOKEN": metricsToken, "HELPCENTER_LIMITS": "sso=2/m"}})
	s.signInVisitor(t, nil)
	bad := s.app.Client(t)
	for range 3 {
		bad.Get(s.base + "/sso/jwt?jwt=not-a-token")
	}

	for _, auth := range []string{"", "Bearer wrong-token-0123456789", "Basic " + metricsToken} {
		req, _ := http.NewRequest(http.MethodGet, s.app.BaseURL+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		if res := s.app.Client(t).Do(req); res.StatusCode != http.StatusUnauthorized || res.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("Authorization %q: %d", auth, res.StatusCode)
		}
	}
	if res := s.app.Client(t).Get(s.base + "/metrics"); res.StatusCode == http.StatusOK {
		t.Error("/metrics answers on a help center's host")
	}
	families := scrape(t, s.app)
	signIns := families["helpcenter_signin_events_total"]
	if got := counter(signIns, map[string]string{"event": "sso.redirect_flow.succeeded", "reason": ""}); got < 1 {
		t.Errorf("succeeded sign-ins: %v", got)
	}
	if got := counter(signIns, map[string]string{"event": "sso.redirect_flow.rejected", "reason": "jwt_malformed"}); got != 2 {
		t.Errorf("jwt_malformed rejections: %v, want 2", got)
	}
	if got := counter(families["helpcenter_rate_limited_total"], map[string]string{"host": "site", "route": "/sso/jwt"}); got != 1 {
		t.Errorf("rate-limited /sso/jwt: %v, want 1", got)
	}
	var sawRoute bool
	for _, m := range families["helpcenter_http_request_duration_seconds"].GetMetric() {
		if labels(m)["route"] == "/sso/jwt" && labels(m)["host"] == "site" && m.GetHistogram().GetSampleCount() >= 3 {
			sawRoute = true
		}
		if r := labels(m)["route"]; strings.Contains(r, "acme") || strings.Contains(r, "?") {
			t.Errorf("a route label carries a path: %q", r)
		}
	}
	if !sawRoute {
		t.Error("no request durations for /sso/jwt on the site host")
	}
	if q := families["helpcenter_queue_depth"]; q == nil || labels(q.GetMetric()[0])["queue"] != "mail" {
		t.Errorf("mail queue depth: %v", q)
	}
	if !testdb.Postgres() {
		if b := families["helpcenter_db_group_commit_batch_size"]; b == nil || b.GetMetric()[0].GetHistogram().GetSampleCount() == 0 {
			t.Error("no group-commit batches observed")
		}
		if w := families["helpcenter_sqlite_wal_bytes"]; w == nil || w.GetMetric()[0].GetGauge().GetValue() <= 0 {
			t.Errorf("SQLite's write-ahead log size: %v", w)
		}
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes", "helpcenter_db_write_queue_wait_seconds"} {
		if families[name] == nil && (name != "helpcenter_db_write_queue_wait_seconds" || !testdb.Postgres()) {
			t.Errorf("no %s", name)
		}
	}
}

func scrape(t *testing.T, app *testapp.App) map[string]*dto.MetricFamily {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, app.BaseURL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+metricsToken)
	res := app.Client(t).Do(req)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d", res.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(strings.NewReader(res.Body))
	if err != nil {
		t.Fatalf("not the Prometheus text format: %v", err)
	}
	return families
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// counter is the value of the family's counter whose labels include want.
func counter(f *dto.MetricFamily, want map[string]string) float64 {
	for _, m := range f.GetMetric() {
		ok := true
		for k, v := range want {
			if labels(m)[k] != v {
				ok = false
			}
		}
		if ok {
			return m.GetCounter().GetValue()
		}
	}
	return 0
}
