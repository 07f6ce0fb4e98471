package handlers_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"helpcenter/internal/testapp"
	"helpcenter/models"
	"helpcenter/store/storetest"
)

const (
	ssoURL    = "/settings/security/sso"
	jwtURL    = "/settings/security/sso/jwt"
	testerURL = "/settings/security/sso/tester"
	logsURL   = "/settings/logs"
)

// htmxPost posts form with the CSRF token of pageURL as htmx does: the
// HX-Request header, the token in X-CSRF-Token.
func htmxPost(t *testing.T, c *testapp.Client, pageURL, postURL string, form url.Values) *testapp.Response {
	t.Helper()
	token := c.CSRF(pageURL)
	req, _ := http.NewRequest(http.MethodPost, postURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-CSRF-Token", token)
	return c.Do(req)
}

// validJWTForm is a JWT form every rule accepts.
func validJWTForm(secret string) url.Values {
	return url.Values{
		"login_url": {"https://app.acme.test/help/login"}, "secret": {secret}, "logout_url": {""},
		"issuer": {"acme-app"}, "audience": {""}, "token_ttl": {"300"},
	}
}

// configureJWT applies a valid JWT form with secret and checks it saved.
func configureJWT(t *testing.T, app *testapp.App, c *testapp.Client, secret string) {
	t.Helper()
	res := c.Submit(app.BaseURL+jwtURL, app.BaseURL+jwtURL, validJWTForm(secret))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("apply JWT settings: %d\n%s", res.StatusCode, res.Body)
	}
}

func helpCenter(t *testing.T, app *testapp.App, sub string) *models.HelpCenter {
	t.Helper()
	hc, err := app.Store.HelpCenterBySubdomain(context.Background(), sub)
	if err != nil {
		t.Fatal(err)
	}
	return hc
}

// savedSecret is the help center's newest live shared secret, "" when it
// has none.
func savedSecret(t *testing.T, app *testapp.App, sub string) string {
	t.Helper()
	if k := newestSecretKey(t, app, sub); k != nil {
		return k.Secret
	}
	return ""
}

func newestSecretKey(t *testing.T, app *testapp.App, sub string) *models.VerificationKey {
	t.Helper()
	live, err := app.Store.LiveKeys(context.Background(), helpCenter(t, app, sub).ID, app.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return models.NewestSecret(live)
}

// mint signs a token as a partner app would, iat = now.
func mint(t *testing.T, secret string, now time.Time, claims jwt.MapClaims) string {
	t.Helper()
	base := jwt.MapClaims{
		"jti": "key-123", "iss": "acme-app", "iat": now.Unix(), "exp": now.Unix() + 60,
		"email": "jane@example.com", "name": "Jane Doe",
	}
	for k, v := range claims {
		base[k] = v
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, base).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var secretValue = regexp.MustCompile(`id="secret"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*id="secret"`)

// secretInField returns the value of the Shared Secret input, "" if none.
func secretInField(body string) string {
	m := secretValue.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1] + m[2])
}

var tags = regexp.MustCompile(`<[^>]*>`)

// textOf is a page's text without its markup, white space collapsed.
func textOf(body string) string {
	return strings.Join(strings.Fields(html.UnescapeString(tags.ReplaceAllString(body, ""))), " ")
}

// countRows counts a table's rows in the database directly, for what no
// store method reads (the SSO flow's records).
func countRows(t *testing.T, app *testapp.App, table string) int {
	t.Helper()
	return int(storetest.CountRows(t, app.Config.Database, table))
}
