package widgetapi

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"helpcenter/static"
)

// widgetScript is static/widget.js with a gzipped copy made once:
// partners' pages load it on every visit.
var widgetScript = sync.OnceValues(func() (*widgetScriptFile, error) {
	b, err := static.File("widget.js")
	if err != nil {
		return nil, err
	}
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return &widgetScriptFile{plain: b, gzipped: gz.Bytes()}, nil
})

type widgetScriptFile struct {
	plain, gzipped []byte
}

// Script serves GET /js/init.js, the embedded widget, to partners'
// pages on other origins. Like every answer of the widget surface it is
// Cache-Control: no-store (SPEC section 8), which also means a deploy
// reaches every page on its next load; it is 7 KB gzipped.
// Cross-Origin-Resource-Policy: cross-origin lets pages that require it
// (COEP) load it; a classic <script> needs no CORS header. The security
// headers of every answer (CSP, COOP, X-Frame-Options) concern documents
// and do not hinder a script loaded by another origin.
func (h *Handler) Script(c echo.Context) error {
	f, err := widgetScript()
	if err != nil {
		return err
	}
	hdr := c.Response().Header()
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Vary", "Accept-Encoding")
	hdr.Set("Cross-Origin-Resource-Policy", "cross-origin")
	body := f.plain
	if strings.Contains(c.Request().Header.Get("Accept-Encoding"), "gzip") {
		hdr.Set("Content-Encoding", "gzip")
		body = f.gzipped
	}
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", body)
}
