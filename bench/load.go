package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// loadResult is what one load run measured.
type loadResult struct {
	Requests          int
	Errors            int
	Duration          time.Duration
	P50, P99, Max     time.Duration
	StatusCounts      map[int]int
	RequestsPerSecond float64
}

// load sends requests from conns workers, each on its own keep-alive
// connection, as fast as the server answers (closed loop), until n
// requests are done or d has passed. next builds the i-th request.
func load(addr string, conns, n int, d time.Duration, next func(i int) *http.Request) loadResult {
	tr := &http.Transport{
		MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer tr.CloseIdleConnections()

	var counter atomic.Int64
	deadline := time.Now().Add(d)
	lat := make([][]time.Duration, conns)
	statuses := make([]map[int]int, conns)
	var errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < conns; w++ {
		statuses[w] = map[int]int{}
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				i := int(counter.Add(1)) - 1
				if i >= n || time.Now().After(deadline) {
					return
				}
				req := next(i)
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					errs.Add(1)
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				lat[w] = append(lat[w], time.Since(t0))
				statuses[w][res.StatusCode]++
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	sc := map[int]int{}
	for w := range lat {
		all = append(all, lat[w]...)
		for k, v := range statuses[w] {
			sc[k] += v
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	r := loadResult{Requests: len(all), Errors: int(errs.Load()), Duration: elapsed, StatusCounts: sc}
	if len(all) > 0 {
		r.P50 = all[len(all)/2]
		r.P99 = all[len(all)*99/100]
		r.Max = all[len(all)-1]
		r.RequestsPerSecond = float64(len(all)) / elapsed.Seconds()
	}
	return r
}

// timed runs fn from workers goroutines until n calls are done and reports
// calls per second.
func timed(workers, n int, fn func(i int) error) (perSecond float64, err error) {
	var counter atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(counter.Add(1)) - 1
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if e, ok := firstErr.Load().(error); ok {
		return 0, e
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
