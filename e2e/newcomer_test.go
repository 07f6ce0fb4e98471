package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"helpcenter/internal/testapp"
	"helpcenter/views/console"

	"github.com/chromedp/chromedp"
)

// A newcomer, scripted: signs up, configures single sign-on from the
// console alone, runs the example app downloaded from it, makes the
// help center private and signs a visitor in — timed step by step
// (issue 13's measure; the figures are printed, not asserted).
func TestNewcomerFirstSignIn(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	app.Clock.Set(time.Now()) // the snippet signs with the real clock
	b := newBrowser(t)
	start := time.Now()
	last := start
	var steps []string
	step := func(name string) {
		now := time.Now()
		steps = append(steps, name+": "+now.Sub(last).Round(10*time.Millisecond).String())
		last = now
	}
	defer func() {
		t.Logf("newcomer, %s in all:\n  %s", time.Since(start).Round(10*time.Millisecond), strings.Join(steps, "\n  "))
	}()

	b.signUp(app.BaseURL, "founder@startup.test", "Startup Help", "startup")
	b.see("Set up single sign-on")
	step("sign up")

	port := freePort(t)
	b.click("Enter the Login URL and a secret")
	b.fill("Login URL", "http://localhost:"+port+"/help-center/login")
	b.click("Generate")
	secret := b.value("Shared Secret")
	b.click("Apply JWT Settings")
	b.see("JWT settings applied.")
	step("connect the app (Login URL and secret)")

	b.click("Overview")
	b.check("Single sign-on")
	b.see("On: private help center pages send visitors")
	b.open(app.BaseURL + "/settings/security/sso")
	b.see("2 of 4 done")
	step("turn on single sign-on")

	// Download the example app from the JWT page, unpack it, install and
	// start it as its README says.
	b.click("JWT (HS256)")
	zipped := eval[string](b, `(async () => {
		const a = [...document.querySelectorAll("a")].find(a => a.textContent.trim() === "Node.js");
		const bytes = new Uint8Array(await (await fetch(a.href, {credentials: "same-origin"})).arrayBuffer());
		let s = ""; for (const b of bytes) s += String.fromCharCode(b);
		return btoa(s);
	})()`, chromedp.EvalAwaitPromise)
	dir := unzipBase64(t, zipped)
	run(t, dir, need(t, "npm", "apt-get install -y nodejs npm"), "install", "--no-audit", "--no-fund", "--silent")
	cmd := exec.Command("node", "app.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PORT="+port, console.SecretEnvVar+"="+secret)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitListening(t, "127.0.0.1:"+port, out)
	step("download the example app, install and start it")

	b.click("General")
	b.check("Private")
	b.click("Save")
	b.see("Settings saved.")
	step("make it private")

	b.open(app.HelpCenterURL("startup") + "/")
	b.see("Signed in as Jane Doe")
	step("a visitor signs in")

	b.open(app.BaseURL + "/settings/security/sso")
	if body := eval[string](b, `document.body.innerText`); strings.Contains(body, "Set up single sign-on") {
		t.Error("the checklist is still there after the first sign-in")
	}
}

// unzipBase64 unpacks a downloaded example app and returns its directory.
func unzipBase64(t *testing.T, b64 string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	dir := root
	for _, f := range z.File {
		name := filepath.Join(root, filepath.FromSlash(f.Name))
		if !strings.HasPrefix(name, root+string(filepath.Separator)) {
			t.Fatalf("zip entry %q leaves its directory", f.Name)
		}
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, body, 0o644); err != nil {
			t.Fatal(err)
		}
		dir = filepath.Dir(name)
	}
	return dir
}
