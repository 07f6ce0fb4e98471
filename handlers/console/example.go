package console

import (
	"archive/zip"
	"bytes"
	"net/http"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/web"
	"helpcenter/views/console"
)

// exampleApps are the snippets offered as a whole app to download: the
// snippet and the files that install its library and say how to run it,
// for the way the help center's keys sign.
var exampleApps = map[string]struct {
	snippet, main string
	extra         func(key console.SnippetKey) map[string]string
}{
	"node": {snippet: "node", main: "app.js", extra: func(key console.SnippetKey) map[string]string {
		deps := `{"jsonwebtoken": "^9"}`
		if key.Alg == "EdDSA" {
			deps = `{}` // Node's own crypto signs EdDSA
		}
		return map[string]string{
			"package.json": "{\n  \"name\": \"helpcenter-login\",\n  \"private\": true,\n  \"dependencies\": " + deps + ",\n  \"scripts\": {\"start\": \"node app.js\"}\n}\n",
			"README.md":    exampleReadme(key, "npm install", "npm start", "currentUser"),
		}
	}},
	"python": {snippet: "python", main: "app.py", extra: func(key console.SnippetKey) map[string]string {
		req := "PyJWT>=2\n"
		if key.Alg != "" && key.Alg != "HS256" {
			req = "PyJWT[crypto]>=2\n"
		}
		return map[string]string{"requirements.txt": req, "README.md": exampleReadme(key, "pip install -r requirements.txt", "python3 app.py", "current_user")}
	}},
}

// exampleReadme says how to install and start an example app, and where
// its signing key goes.
func exampleReadme(key console.SnippetKey, install, start, user string) string {
	run := console.SecretEnvVar + "=<your shared secret> " + start
	where := ""
	if key.Alg != "" && key.Alg != "HS256" {
		run = console.PrivateKeyEnvVar + "=\"$(cat private.pem)\" " + start
		where = "\nThe app signs " + key.Alg + " tokens with kid `" + key.KID + "`. Save the private key you downloaded from " +
			"Settings → Security → SSO → Keys as private.pem beside this file (or keep it in your secrets manager), " +
			"never commit it, and give it to the app in " + console.PrivateKeyEnvVar + ".\n"
	}
	return "# Help center sign-in\n\n    " + install + "\n    " + run + "\n" + where +
		"\nThen set the Login URL to http://localhost:3000/help-center/login and replace " + user + " with your app's signed-in user.\n"
}

// ExampleApp is GET /settings/security/sso/jwt/example/:lang: the runnable
// snippet for this help center as a zip with what installs and starts it.
func (h *Handler) ExampleApp(c echo.Context) error {
	app, ok := exampleApps[c.Param("lang")]
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	a, _ := theAdmin.Get(c)
	hc := a.HelpCenter
	live, err := h.liveKeys(c, hc)
	if err != nil {
		return err
	}
	key := snippetKey(live)
	code := console.SnippetCode(app.snippet, h.ssoEndpoint(hc), hc.Issuer, hc.Audience, key)
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	files := map[string]string{app.main: code}
	for name, body := range app.extra(key) {
		files[name] = body
	}
	for _, name := range []string{app.main, "README.md", "package.json", "requirements.txt"} {
		body, ok := files[name]
		if !ok {
			continue
		}
		w, err := z.Create("helpcenter-login/" + name)
		if err != nil {
			return err
		}
		if _, err := w.Write([]byte(body)); err != nil {
			return err
		}
	}
	if err := z.Close(); err != nil {
		return err
	}
	web.NoStore(c)
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="helpcenter-login-`+c.Param("lang")+`.zip"`)
	return c.Blob(http.StatusOK, "application/zip", buf.Bytes())
}
