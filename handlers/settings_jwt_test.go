package handlers_test

import (
	"archive/zip"
	"encoding/base64"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"helpcenter/internal/testapp"
	"helpcenter/sso"
)

const secret40 = "0123456789abcdefghijklmnopqrstuvwxyzABCD"

func TestJWTFormLabels(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Signup(t, "owner@acme.test", pw, "Acme Help", "acme")
	body := c.Get(app.BaseURL + jwtURL).Body
	for _, want := range []string{
		`<label for="login_url">Login URL</label>`, `<label for="secret">Shared Secret</label>`,
		`<label for="logout_url">Logout URL</label>`, `<label for="issuer">Issuer</label>`,
		`<label for="audience">Audience</label>`, `<label for="token_ttl">Token TTL (seconds)</label>`,
		`<label for="allow_unsolicited">Allow sign-in started from your app</label>`,
		`value="300"`, ">Generate</button>", ">Apply JWT Settings</button>",
		app.HelpCenterURL("acme") + "/sso/jwt",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// The snippets read the secret from the environment, in all five languages.
	for _, want := range []string{"jsonwebtoken", "firebase/php-jwt", "gem install jwt", "PyJWT", "golang-jwt/jwt/v5", "HELPCENTER_SSO_SECRET"} {
		if !strings.Contains(body, want) {
			t.Errorf("snippets lack %q", want)
		}
	}
}

func TestJWTValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, field, value string
		errField           string // "" = accepted
		message            string
	}{
		{"login URL missing", "login_url", "", "login_url", "Enter the Login URL"},
		{"login URL relative", "login_url", "/login", "login_url", "full URL"},
		{"login URL http", "login_url", "http://app.acme.test/login", "login_url", "plain http is accepted only for localhost"},
		{"login URL http on a look-alike", "login_url", "http://localhost.acme.test/login", "login_url", "plain http"},
		{"login URL javascript", "login_url", "javascript:alert(1)", "login_url", "full URL"},
		{"login URL with userinfo", "login_url", "https://app.acme.test@evil.test/login", "login_url", "user name and password"},
		{"login URL with fragment", "login_url", "https://app.acme.test/login#x", "login_url", "fragment"},
		{"login URL on localhost", "login_url", "http://localhost:3000/login", "", ""},
		{"login URL on a .localhost name", "login_url", "http://acme.localhost:3000/login", "", ""},
		{"login URL on 127.0.0.1", "login_url", "http://127.0.0.1:3000/login", "", ""},
		{"login URL on [::1]", "login_url", "http://[::1]:3000/login", "", ""},
		{"logout URL http", "logout_url", "http://app.acme.test/bye", "logout_url", "https"},
		{"logout URL https", "logout_url", "https://app.acme.test/bye", "", ""},
		{"secret missing", "secret", "", "secret", "at least 32 characters"},
		{"secret 31 characters", "secret", secret40[:31], "secret", "at least 32 characters"},
		{"secret 32 characters", "secret", secret40[:32], "", ""},
		{"secret with white space at the end", "secret", secret40 + " ", "secret", "white space"},
		{"TTL 29", "token_ttl", "29", "token_ttl", "between 30 and 3600"},
		{"TTL 30", "token_ttl", "30", "", ""},
		{"TTL 3600", "token_ttl", "3600", "", ""},
		{"TTL 3601", "token_ttl", "3601", "token_ttl", "between 30 and 3600"},
		{"TTL not a number", "token_ttl", "5m", "token_ttl", "whole number"},
		{"issuer too long", "issuer", strings.Repeat("i", 257), "issuer", "at most 256"},
		{"audience too long", "audience", strings.Repeat("a", 257), "audience", "at most 256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A fresh help center each time, so "secret missing" means none is saved.
			app := testapp.New(t)
			c := app.Signup(t, "owner@acme.test", pw, "Acme Help", "acme")
			form := validJWTForm(secret40)
			form.Set(tc.field, tc.value)
			res := c.Submit(app.BaseURL+jwtURL, app.BaseURL+jwtURL, form)
			if tc.errField == "" {
				if res.StatusCode != http.StatusSeeOther {
					t.Fatalf("refused: %d\n%s", res.StatusCode, errorsIn(res.Body))
				}
				return
			}
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", res.StatusCode)
			}
			// The error follows its field and is tied to it.
			input := regexp.MustCompile(`<(input|textarea)[^>]*id="` + tc.errField + `"[^>]*>`).FindString(res.Body)
			if !strings.Contains(input, `aria-invalid="true"`) || !strings.Contains(input, tc.errField+"-error") {
				t.Fatalf("field not marked invalid: %s", input)
			}
			errP := regexp.MustCompile(`id="` + tc.errField + `-error"[^>]*>([^<]*)<`).FindStringSubmatch(res.Body)
			if errP == nil || !strings.Contains(errP[1], tc.message) {
				t.Fatalf("error %v does not say %q", errP, tc.message)
			}
			if tc.field != "secret" && tc.value != "" && !strings.Contains(res.Body, `value="`+tc.value+`"`) {
				t.Fatal("the input was not kept")
			}
			if savedSecret(t, app, "acme") != "" {
				t.Fatal("an invalid form saved a secret")
			}
		})
	}
}

func errorsIn(body string) string {
	return strings.Join(regexp.MustCompile(`class="field-error"[^>]*>[^<]*`).FindAllString(body, -1), "\n")
}

func TestJWTApplyKeepsSavedSecret(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Signup(t, "owner@acme.test", pw, "Acme Help", "acme")
	configureJWT(t, app, c, secret40)
	hc := helpCenter(t, app, "acme")
	if hc.LoginURL != "https://app.acme.test/help/login" || hc.Issuer != "acme-app" || hc.TokenTTL != 300 || hc.SSOEnabled {
		t.Fatalf("saved %+v; applying must not switch SSO on", hc.SSOSettings())
	}
	if savedSecret(t, app, "acme") != secret40 {
		t.Fatal("secret not saved")
	}

	app.Clock.Advance(3 * time.Minute)
	res := c.Get(app.BaseURL + jwtURL)
	if strings.Contains(res.Body, secret40) {
		t.Fatal("the page holds the saved secret")
	}
	for _, want := range []string{"saved 3 minutes ago", "Regenerate", "Login URL set to", "by owner@acme.test, 3 minutes ago", "Shared secret replaced"} {
		if !strings.Contains(textOf(res.Body), want) {
			t.Errorf("page lacks %q", want)
		}
	}

	// Apply with the secret field untouched (blank): the secret stays.
	form := validJWTForm("")
	form.Set("token_ttl", "600")
	form.Set("allow_unsolicited", "1")
	if res := c.Submit(app.BaseURL+jwtURL, app.BaseURL+jwtURL, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("apply: %d\n%s", res.StatusCode, errorsIn(res.Body))
	}
	hc = helpCenter(t, app, "acme")
	if savedSecret(t, app, "acme") != secret40 || hc.TokenTTL != 600 || !hc.AllowUnsolicited {
		t.Fatalf("after apply: %+v", hc.SSOSettings())
	}
	// An error with a saved secret shows it masked, not in the field.
	form.Set("login_url", "nope")
	res = c.Submit(app.BaseURL+jwtURL, app.BaseURL+jwtURL, form)
	if res.StatusCode != http.StatusUnprocessableEntity || strings.Contains(res.Body, secret40) || !strings.Contains(res.Body, "secret-mask") {
		t.Fatalf("error page: %d", res.StatusCode)
	}
	// Unchecking the box turns unsolicited sign-in off again.
	form = validJWTForm("")
	if res := c.Submit(app.BaseURL+jwtURL, app.BaseURL+jwtURL, form); res.StatusCode != http.StatusSeeOther {
		t.Fatal(res.StatusCode)
	}
	if helpCenter(t, app, "acme").AllowUnsolicited {
		t.Fatal("unsolicited sign-in still allowed")
	}
}

func TestGeneratedSecretSurvivesErrors(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Signup(t, "owner@acme.test", pw, "Acme Help", "acme")
	form := validJWTForm("")
	form.Set("login_url", "http://app.acme.test/login") // invalid, and kept
	res := c.Submit(app.BaseURL+jwtURL, app.BaseURL+jwtURL+"/generate", form)
	if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("generate: %d %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	secret := secretInField(res.Body)
	if len(secret) != 64 {
		t.Fatalf("generated secret %q is not 64 characters", secret)
	}
	if _, err := base64.StdEncoding.DecodeString(secret); err != nil {
		t.Fatalf("not standard base64: %v", err)
	}
	if !strings.Contains(res.Body, `value="http://app.acme.test/login"`) {
		t.Fatal("generate lost the typed Login URL")
	}
	if savedSecret(t, app, "acme") != "" {
		t.Fatal("Generate saved the secret")
	}

	form.Set("secret", secret)
	res = c.Submit(app.BaseURL+jwtURL, app.BaseURL+jwtURL, form)
	if res.StatusCode != http.StatusUnprocessableEntity || secretInField(res.Body) != secret {
		t.Fatalf("the generated secret did not survive the error: %d", res.StatusCode)
	}
	form.Set("login_url", "https://app.acme.test/login")
	if res := c.Submit(app.BaseURL+jwtURL, app.BaseURL+jwtURL, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("apply: %d", res.StatusCode)
	}
	if savedSecret(t, app, "acme") != secret {
		t.Fatal("the applied secret is not the generated one")
	}
}

func TestRegenerateSecret(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Signup(t, "owner@acme.test", pw, "Acme Help", "acme")
	configureJWT(t, app, c, secret40)
	settings := func() sso.Settings {
		hc := helpCenter(t, app, "acme")
		return sso.Settings{Enabled: true, Keys: []sso.Key{sso.SharedSecret(savedSecret(t, app, "acme"))}, Issuer: hc.Issuer, TTL: 300 * time.Second}
	}
	oldToken := mint(t, secret40, app.Clock.Now(), nil)
	if _, r := sso.Verify(oldToken, settings(), app.Clock.Now()); r != nil {
		t.Fatalf("the old token fails before regenerating: %v", r)
	}

	// Without script the confirmation is a page state; it says what happens.
	confirm := c.Get(app.BaseURL + jwtURL + "?confirm=regenerate")
	if !strings.Contains(confirm.Body, "Generating a new secret immediately invalidates any token signed with the old one") ||
		!regexp.MustCompile(`<dialog[^>]*open`).MatchString(confirm.Body) {
		t.Fatal("no open confirmation")
	}

	app.Clock.Advance(time.Minute)
	// Post/redirect/get: the POST saves and redirects; the page it leads
	// to shows the new secret once, and a reload does not regenerate.
	res := c.Submit(app.BaseURL+jwtURL, app.BaseURL+jwtURL+"/regenerate", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != jwtURL {
		t.Fatalf("regenerate: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	res = c.Get(app.BaseURL + jwtURL)
	if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("the reveal: %d %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	shown := secretInField(res.Body)
	if len(shown) != 64 || shown != savedSecret(t, app, "acme") {
		t.Fatalf("shown secret %q is not the saved new one", shown)
	}
	if !strings.Contains(res.Body, `data-copy="#secret"`) || !strings.Contains(res.Body, "only time it is shown") {
		t.Fatal("no copy button or one-time note")
	}
	if k := newestSecretKey(t, app, "acme"); k == nil || !k.CreatedAt.Equal(app.Clock.Now()) {
		t.Fatalf("the new secret's key %+v", k)
	}

	// Tokens signed with the old secret now fail; new ones pass.
	if _, r := sso.Verify(oldToken, settings(), app.Clock.Now()); r == nil || r.Reason != sso.ReasonInvalidSignature {
		t.Fatalf("old token after regenerating: %v", r)
	}
	if _, r := sso.Verify(mint(t, shown, app.Clock.Now(), nil), settings(), app.Clock.Now()); r != nil {
		t.Fatalf("new token: %v", r)
	}

	// Another browser of the same admin cannot open the reveal cookie.
	stolen := c.Cookie(app.BaseURL, "hc_reveal")
	if stolen != nil && stolen.Value != "" {
		t.Fatal("the reveal cookie outlived its one view")
	}
	// Shown once: no later page holds it, anywhere in its HTML.
	for _, path := range []string{jwtURL, jwtURL + "?saved=1", jwtURL + "?confirm=regenerate", ssoURL, testerURL, logsURL} {
		if body := c.Get(app.BaseURL + path).Body; strings.Contains(body, shown) || strings.Contains(body, secret40) {
			t.Fatalf("%s holds a secret", path)
		}
	}
	// Applying the page that showed it keeps it, and is no secret change.
	form := validJWTForm(shown)
	if res := c.Submit(app.BaseURL+jwtURL, app.BaseURL+jwtURL, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("apply after regenerate: %d", res.StatusCode)
	}
	if savedSecret(t, app, "acme") != shown {
		t.Fatal("secret changed")
	}
	app.Clock.Advance(3 * time.Minute)
	body := c.Get(app.BaseURL + jwtURL).Body
	if text := textOf(body); !strings.Contains(text, "Secret regenerated: new Shared secret") || !strings.Contains(text, "revoked at once by owner@acme.test, 3 minutes ago") {
		t.Fatal("history lacks the regeneration")
	}
	if n := strings.Count(body, "Shared secret replaced"); n != 1 {
		t.Fatalf("%d secret replacements in the history, want 1 (the first save)", n)
	}
	if strings.Contains(app.Logs.String(), shown) || strings.Contains(app.Logs.String(), secret40) {
		t.Fatal("a secret was logged")
	}
}

// "Download example app" gives a zip that holds the runnable snippet for
// this help center and what installs and starts it.
func TestDownloadExampleApp(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Signup(t, "owner@acme.test", pw, "Acme Help", "acme")
	configureJWT(t, app, c, secret40)
	for lang, files := range map[string][]string{
		"node":   {"helpcenter-login/app.js", "helpcenter-login/README.md", "helpcenter-login/package.json"},
		"python": {"helpcenter-login/app.py", "helpcenter-login/README.md", "helpcenter-login/requirements.txt"},
	} {
		res := c.Get(app.BaseURL + jwtURL + "/example/" + lang)
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/zip" ||
			!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("%s: %d %s", lang, res.StatusCode, res.Header.Get("Content-Type"))
		}
		z, err := zip.NewReader(strings.NewReader(res.Body), int64(len(res.Body)))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range z.File {
			names = append(names, f.Name)
			if strings.HasSuffix(f.Name, "/app.js") || strings.HasSuffix(f.Name, "/app.py") {
				r, _ := f.Open()
				body, _ := io.ReadAll(r)
				if !strings.Contains(string(body), app.HelpCenterURL("acme")+"/sso/jwt") || strings.Contains(string(body), secret40) {
					t.Errorf("%s: the app does not name the endpoint, or holds the secret", f.Name)
				}
			}
		}
		if !slices.Equal(names, files) {
			t.Errorf("%s zip holds %v, want %v", lang, names, files)
		}
	}
	if res := c.Get(app.BaseURL + jwtURL + "/example/cobol"); res.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown language: %d", res.StatusCode)
	}
	if res := app.Client(t).Get(app.BaseURL + jwtURL + "/example/node"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("signed out: %d", res.StatusCode)
	}
}

// The JWT page names the saved secret by its fingerprint, never by itself.
func TestSecretFingerprintShown(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Signup(t, "owner@acme.test", pw, "Acme Help", "acme")
	configureJWT(t, app, c, secret40)
	body := c.Get(app.BaseURL + jwtURL).Body
	if !strings.Contains(body, sso.Fingerprint(secret40)) || strings.Contains(body, secret40) {
		t.Fatal("the page lacks the fingerprint, or holds the secret")
	}
}
