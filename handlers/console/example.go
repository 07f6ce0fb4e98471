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
// snippet and the files that install its library and say how to run it.
var exampleApps = map[string]struct {
	snippet, main string
	extra         map[string]string
}{
	"node": {snippet: "node", main: "app.js", extra: map[string]string{
		"package.json": "{\n  \"name\": \"helpcenter-login\",\n  \"private\": true,\n  \"dependencies\": {\"jsonwebtoken\": \"^9\"},\n  \"scripts\": {\"start\": \"node app.js\"}\n}\n",
		"README.md":    "# Help center sign-in\n\n    npm install\n    " + console.SecretEnvVar + "=<your shared secret> npm start\n\nThen set the Login URL to http://localhost:3000/help-center/login and replace currentUser with your app's signed-in user.\n",
	}},
	"python": {snippet: "python", main: "app.py", extra: map[string]string{
		"requirements.txt": "PyJWT>=2\n",
		"README.md":        "# Help center sign-in\n\n    pip install -r requirements.txt\n    " + console.SecretEnvVar + "=<your shared secret> python3 app.py\n\nThen set the Login URL to http://localhost:3000/help-center/login and replace current_user with your app's signed-in user.\n",
	}},
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
	code := console.SnippetCode(app.snippet, h.ssoEndpoint(hc), hc.Issuer, hc.Audience)
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	files := map[string]string{app.main: code}
	for name, body := range app.extra {
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
