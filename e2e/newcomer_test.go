package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"helpcenter/internal/testapp"
	"helpcenter/views/console"
)

// A newcomer, scripted: signs up, configures single sign-on from the
// console alone, runs the Node snippet copied from the page, makes the
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

	b.click("JWT (HS256)")
	code := eval[string](b, `document.getElementById("snippet-node").textContent`)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "app.js"), []byte(code), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, dir, need(t, "npm", "apt-get install -y nodejs npm"), "install", "--no-audit", "--no-fund", "--silent", "jsonwebtoken@9")
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
	step("copy the Node snippet and start it")

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
