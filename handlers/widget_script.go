package handlers

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"helpcenter/static"
)

// widgetScript is static/widget.js, with its ETag and a gzipped copy made
// once: partners' pages load it on every visit.
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
	sum := sha256.Sum256(b)
	return &widgetScriptFile{plain: b, gzipped: gz.Bytes(), etag: `"` + hex.EncodeToString(sum[:8]) + `"`}, nil
})

type widgetScriptFile struct {
	plain, gzipped []byte
	etag           string
}

// widgetInit serves GET /js/init.js, the embedded widget, to partners'
// pages on other origins. The URL is fixed (partners paste it once), so it
// cannot carry a version: a short max-age plus an ETag lets a deploy reach
// every page within minutes at the cost of a cheap revalidation.
// Cross-Origin-Resource-Policy: cross-origin lets pages that require it
// (COEP) load it; a classic <script> needs no CORS header. The security
// headers of every answer (CSP, COOP, X-Frame-Options) concern documents
// and do not hinder a script loaded by another origin.
func (h *Handler) widgetInit(c echo.Context) error {
	f, err := widgetScript()
	if err != nil {
		return err
	}
	hdr := c.Response().Header()
	hdr.Set("Cache-Control", "public, max-age=300")
	hdr.Set("ETag", f.etag)
	hdr.Set("Vary", "Accept-Encoding")
	hdr.Set("Cross-Origin-Resource-Policy", "cross-origin")
	if c.Request().Header.Get("If-None-Match") == f.etag {
		return c.NoContent(http.StatusNotModified)
	}
	body := f.plain
	if strings.Contains(c.Request().Header.Get("Accept-Encoding"), "gzip") {
		hdr.Set("Content-Encoding", "gzip")
		body = f.gzipped
	}
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", body)
}
