// Package static embeds the stylesheet, scripts and vendored libraries and
// serves them under content-hashed URLs, so they can be cached for a year
// and still change the moment a deploy changes them.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed *.css *.js *.svg vendor
var files embed.FS

// Prefix is where the files are served.
const Prefix = "/static/"

// versions maps a file name to the first hex digits of its SHA-256.
var versions = func() map[string]string {
	v := map[string]string{}
	_ = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		v[p] = hex.EncodeToString(sum[:])[:12]
		return nil
	})
	return v
}()

// URL is the versioned address of an embedded file, e.g.
// URL("app.css") = "/static/app.css?v=3f2a…". It panics on an unknown
// name: a typo in a template should fail the first test that renders it.
func URL(name string) string {
	v, ok := versions[name]
	if !ok {
		panic("static: no file " + name)
	}
	return Prefix + name + "?v=" + v
}

// Handler serves the embedded files. A request carrying the current
// version is cached for a year as immutable; any other is revalidated, so
// a stale link never pins an old file.
func Handler() http.Handler {
	fileServer := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), Prefix)
		if _, ok := versions[name]; !ok {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("v") == versions[name] {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + name
		fileServer.ServeHTTP(w, r2)
	})
}

// File returns an embedded file's bytes (favicon, robots.txt).
func File(name string) ([]byte, error) { return files.ReadFile(name) }
