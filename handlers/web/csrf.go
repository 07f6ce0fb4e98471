package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"

	"github.com/labstack/echo/v4"
)

// CSRF protects every state-changing request with a synchronizer token
// bound to the browser's session: the token is an HMAC of the session's id
// hash (the admin's console session, the visitor's help-center session),
// or, before there is a session (the sign-in and sign-up forms, the site
// password), of a random pre-session id in its own cookie. A plain
// double-submit cookie is not enough: a sibling subdomain can plant a
// cookie for the base host and then post with a token it chose. It cannot
// learn the HMAC of a session it does not hold; on https the pre-session
// cookie is __Host- prefixed, so it cannot be planted at all.
type CSRF struct {
	Key     []byte
	Cookies Cookies
	// Session returns the id hash of the request's session, nil when it
	// has none. It runs after the middleware that loads the session.
	Session func(c echo.Context) []byte
	// Skip exempts a request (the partner's redirect to /sso/jwt, a plain
	// "Sign out" link).
	Skip func(c echo.Context) bool
}

// PreSessionCookie holds the random id a token is bound to before there
// is a session.
const PreSessionCookie = "hc_csrf"

// csrfTTL is how long a pre-session id lives: a form left open longer is
// answered with "This form has expired".
const csrfTTL = 12 * 3600

// Middleware checks the token of unsafe requests and makes this request's
// token available to its forms (CSRFToken). A safe request's token is only
// made when a page asks for it: most help-center pages have no form, and
// the HMAC (and, before a session, the pre-session cookie) was a cost of
// every page view.
func (k CSRF) Middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
			csrfKey.Set(c, &requestToken{csrf: k})
			return next(c)
		}
		want := k.token(k.binding(c))
		csrfKey.Set(c, &requestToken{csrf: k, token: want, made: true})
		if k.Skip != nil && k.Skip(c) {
			return next(c)
		}
		got := c.Request().Header.Get("X-CSRF-Token")
		if got == "" {
			got = c.FormValue("_csrf")
		}
		if !hmac.Equal([]byte(got), []byte(want)) {
			return echo.NewHTTPError(http.StatusForbidden,
				"This form has expired or was sent from another site. Go back, reload the page and try again.")
		}
		return next(c)
	}
}

// binding is what this request's token is bound to: the session, or the
// pre-session id (made and set now when the browser has none).
func (k CSRF) binding(c echo.Context) string {
	if id := k.Session(c); len(id) > 0 {
		return "session:" + string(id)
	}
	pre := k.Cookies.Read(c, PreSessionCookie)
	if len(pre) != 43 {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		pre = base64.RawURLEncoding.EncodeToString(b)
		k.Cookies.Set(c, PreSessionCookie, pre, csrfTTL)
	}
	return "pre:" + pre
}

func (k CSRF) token(binding string) string {
	m := hmac.New(sha256.New, k.Key)
	m.Write([]byte(binding))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// requestToken is a request's token, made on first use. A request is
// served by one goroutine, so it needs no lock.
type requestToken struct {
	csrf  CSRF
	token string
	made  bool
}

var csrfKey = NewKey[*requestToken]("csrf")

// CSRFToken is the token to embed in this request's forms; "" outside the
// middleware. It may set the pre-session cookie, so a handler asks for it
// before it writes the answer (as it builds the page's model).
func CSRFToken(c echo.Context) string {
	t, ok := csrfKey.Get(c)
	if !ok {
		return ""
	}
	if !t.made {
		t.token, t.made = t.csrf.token(t.csrf.binding(c)), true
	}
	return t.token
}
