package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"helpcenter/models"
	"helpcenter/sso"
	"helpcenter/store"
)

// audienceArticles and audienceGroups size the audiences measurement: a
// help center of 10 000 articles in 20 categories, one article in ten and
// one category in four limited to some of 200 groups, read by a visitor
// in 100 groups and by one in none.
const (
	audienceArticles = 10000
	audienceGroups   = 200
)

// seedAudiences fills the help center: every article mentions "invoice"
// once in ten, so a search matches a thousand of them.
func seedAudiences(ctx context.Context, st *store.Store, hcID int64) error {
	var cats []int64
	for i := range 20 {
		c := &models.Category{Name: fmt.Sprintf("Category %02d", i)}
		if err := st.CreateCategory(ctx, hcID, c); err != nil {
			return err
		}
		if i%4 == 3 {
			c.AudienceGroups = models.GroupsJSON([]string{groupName(i), groupName(i + 1)})
			if err := st.UpdateCategory(ctx, hcID, c); err != nil {
				return err
			}
		}
		cats = append(cats, c.ID)
	}
	for i := range audienceArticles {
		a := &models.Article{Title: fmt.Sprintf("Article %05d", i), Status: models.StatusPublished, MinRole: models.RoleViewer,
			Body: fmt.Sprintf("How to do thing %d with your account.", i), CategoryID: &cats[i%len(cats)]}
		if i%10 == 0 {
			a.Body += " Paying an invoice."
		}
		if i%10 == 5 {
			a.AudienceGroups = models.GroupsJSON([]string{groupName(i), groupName(i + 7), groupName(i + 13)})
		}
		if err := st.CreateArticle(ctx, hcID, a); err != nil {
			return err
		}
	}
	return nil
}

func groupName(i int) string { return "group-" + strconv.Itoa(i%audienceGroups) }

// measureAudiences times the signed-in home page and a search for a
// visitor in 100 groups against one in none, over seedAudiences' help
// center.
func measureAudiences(ctx context.Context, addr, siteURL string, st *store.Store, hcID int64, browser string, d time.Duration) ([]row, error) {
	fmt.Fprintf(os.Stderr, "seeding %d articles with audiences…\n", audienceArticles)
	if err := seedAudiences(ctx, st, hcID); err != nil {
		return nil, err
	}
	groups := make([]string, 100)
	for i := range groups {
		groups[i] = groupName(2 * i)
	}
	none, err := signInWith(addr, siteURL, st, ctx, hcID, browser, "none@bench.test", nil)
	if err != nil {
		return nil, err
	}
	many, err := signInWith(addr, siteURL, st, ctx, hcID, browser, "many@bench.test", groups)
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(os.Stderr, "measuring audiences…")
	var rows []row
	for _, p := range []struct{ what, path string }{
		{"signed-in home page, 10 000 articles", "/"},
		{"signed-in search, 10 000 articles (1 000 match)", "/search?q=invoice"},
	} {
		get := func(cookie string) loadResult {
			return load(addr, 64, 1<<30, d, func(int) *http.Request {
				req, _ := http.NewRequest(http.MethodGet, siteURL+p.path, nil)
				req.Header.Set("Cookie", cookie)
				return req
			})
		}
		base, with := get(none), get(many)
		rows = append(rows, row{p.what + ", visitor in 100 groups", fmt.Sprintf("%.0f/s, p50 %s, p99 %s%s", with.RequestsPerSecond, ms(with.P50), ms(with.P99), statusNote(with, http.StatusOK)),
			fmt.Sprintf("visitor in no group: %.0f/s, p50 %s", base.RequestsPerSecond, ms(base.P50)), pct(with.RequestsPerSecond, base.RequestsPerSecond), "≥ 80 %"})
	}
	return rows, nil
}

// signInWith opens a visitor session for email with these groups and
// returns its cookie header.
func signInWith(addr, siteURL string, st *store.Store, ctx context.Context, hcID int64, browser, email string, groups []string) (string, error) {
	k, err := sso.NewPendingKey(browser, "/", time.Now())
	if err != nil {
		return "", err
	}
	if err := st.SavePendingKey(ctx, hcID, k); err != nil {
		return "", err
	}
	now := time.Now().Unix()
	claims := map[string]any{"jti": k.Key, "iss": "bench", "iat": now, "exp": now + 3000, "email": email, "name": "Bench Reader"}
	if groups != nil {
		claims["groups"] = groups
	}
	tok, err := sso.Mint(secret, claims)
	if err != nil {
		return "", err
	}
	req, _ := http.NewRequest(http.MethodGet, siteURL+"/sso/jwt?jwt="+tok, nil)
	req.Header.Set("Cookie", "hc_bid="+browser)
	req.Header.Set("X-Forwarded-For", "192.0.2.3")
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	resp, err := (&http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "hc_session" {
			return "hc_session=" + c.Value, nil
		}
	}
	return "", fmt.Errorf("sign-in as %s: status %d, no session cookie", email, resp.StatusCode)
}
