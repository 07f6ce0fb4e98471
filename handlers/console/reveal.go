package console

import (
	"encoding/json"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/session"
)

// revealOnce puts v (as JSON) in the one-time reveal cookie: sealed and
// bound to this admin session, for the next page view only — how a new
// key, API key or webhook secret reaches the page after the POST that
// made it (post/redirect/get) without ever being in a URL or a page twice.
func (h *Handler) revealOnce(c echo.Context, v any) error {
	a, _ := theAdmin.Get(c)
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	value, err := h.Codec.Reveal(a.Session.IDHash, string(raw))
	if err != nil {
		return err
	}
	h.Cookies.Set(c, session.RevealCookie, value, int(session.RevealTTL.Seconds()))
	return nil
}

// takeReveal reads the one-time reveal into v and clears it; false when
// there is none for this session (or it does not decode as v).
func (h *Handler) takeReveal(c echo.Context, v any) bool {
	value := h.Cookies.Read(c, session.RevealCookie)
	if value == "" {
		return false
	}
	h.Cookies.Clear(c, session.RevealCookie)
	a, _ := theAdmin.Get(c)
	raw, ok := h.Codec.OpenReveal(a.Session.IDHash, value)
	return ok && json.Unmarshal([]byte(raw), v) == nil
}
