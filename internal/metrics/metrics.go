// Package metrics is the product's Prometheus instrumentation
// (prometheus/client_golang), served at GET /metrics on the console host
// (SPEC section 12). Series carry no tenant label: a help center's
// traffic is in its Logs view, and a label per tenant would grow the
// scrape with every signup.
package metrics

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the product's series in a registry of its own.
type Metrics struct {
	registry    *prometheus.Registry
	signIns     *prometheus.CounterVec
	requests    *prometheus.HistogramVec
	rateLimited *prometheus.CounterVec
	batchSize   prometheus.Histogram
	batchWait   prometheus.Histogram
}

// New registers every series, the Go runtime's and the process's included.
func New() *Metrics {
	m := &Metrics{registry: prometheus.NewRegistry()}
	m.signIns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "helpcenter_signin_events_total",
		Help: "Sign-in outcomes written to the Logs view, by event and reason (empty reason: a success).",
	}, []string{"event", "reason"})
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "helpcenter_http_request_duration_seconds",
		Help:    "HTTP request durations by host kind (console or site), route template, method and status class.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"host", "route", "method", "status"})
	m.rateLimited = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "helpcenter_rate_limited_total",
		Help: "Requests refused with 429 by a rate limit, by host kind and route template.",
	}, []string{"host", "route"})
	m.batchSize = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "helpcenter_db_group_commit_batch_size",
		Help:    "Write transactions per SQLite group commit.",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128},
	})
	m.batchWait = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "helpcenter_db_write_queue_wait_seconds",
		Help:    "Time a write transaction waited for SQLite's single writer.",
		Buckets: []float64{.0001, .0005, .001, .0025, .005, .01, .025, .05, .1, .25},
	})
	m.registry.MustRegister(m.signIns, m.requests, m.rateLimited, m.batchSize, m.batchWait,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// SignIn counts one event row.
func (m *Metrics) SignIn(event, reason string) { m.signIns.WithLabelValues(event, reason).Inc() }

// Request observes one finished request; route is the router's template
// (/articles/:slug), never the path, so series stay few.
func (m *Metrics) Request(host, route, method string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(host, route, method, strconv.Itoa(status/100)+"xx").Observe(d.Seconds())
	if status == http.StatusTooManyRequests {
		m.rateLimited.WithLabelValues(host, route).Inc()
	}
}

// Batch observes one group commit.
func (m *Metrics) Batch(size int, waits []time.Duration) {
	m.batchSize.Observe(float64(size))
	for _, w := range waits {
		m.batchWait.Observe(w.Seconds())
	}
}

// QueueDepth reports a queue's length at each scrape, read by depth.
func (m *Metrics) QueueDepth(queue string, depth func(context.Context) (int64, error)) {
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "helpcenter_queue_depth", Help: "Items waiting in a database-backed queue.",
		ConstLabels: prometheus.Labels{"queue": queue},
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := depth(ctx)
		if err != nil {
			return -1 // a scrape must not fail; -1 says the count failed
		}
		return float64(n)
	}))
}

// WALSize reports SQLite's write-ahead log size at each scrape: the
// store keeps it near its limit (store/wal.go), and a log that grows
// anyway is the first sign of a disk falling behind.
func (m *Metrics) WALSize(size func() (int64, error)) {
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "helpcenter_sqlite_wal_bytes", Help: "Size of SQLite's write-ahead log file.",
	}, func() float64 {
		n, err := size()
		if err != nil {
			return -1
		}
		return float64(n)
	}))
}

// Handler serves the scrape; with token set, only to
// "Authorization: Bearer <token>", compared in constant time.
func (m *Metrics) Handler(token string) http.Handler {
	serve := promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
				http.Error(w, "send HELPCENTER_METRICS_TOKEN as Authorization: Bearer <token>", http.StatusUnauthorized)
				return
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		serve.ServeHTTP(w, r)
	})
}
