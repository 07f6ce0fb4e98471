package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"helpcenter/internal/testapp"
	"helpcenter/models"
	"helpcenter/sso"
	"helpcenter/store"
	"helpcenter/store/storetest"
	"helpcenter/views/console"
)

// The console's Node (plain and Express), Python, Go and Java snippets are complete partner endpoints:
// started as their first lines say, with the help center's real endpoint
// and issuer, each signs a visitor in through the browser (SPEC section
// 7; issue 13). Node's jsonwebtoken comes from the npm registry, Python's
// PyJWT from Debian's python3-jwt.
// language is one snippet and how to install and start it.
type language struct {
	id, file string
	setup    func(t *testing.T, dir string)
	command  func(dir string) *exec.Cmd
}

func TestSnippetsSignVisitorsIn(t *testing.T) {
	t.Parallel()
	languages := []language{
		{"node", "app.js", func(t *testing.T, dir string) {
			run(t, dir, need(t, "npm", "apt-get install -y nodejs npm"), "install", "--no-audit", "--no-fund", "--silent", "jsonwebtoken@9")
		}, func(dir string) *exec.Cmd { return exec.Command("node", filepath.Join(dir, "app.js")) }},
		{"express", "app.js", func(t *testing.T, dir string) {
			run(t, dir, need(t, "npm", "apt-get install -y nodejs npm"), "install", "--no-audit", "--no-fund", "--silent", "express@4", "jsonwebtoken@9")
		}, func(dir string) *exec.Cmd { return exec.Command("node", filepath.Join(dir, "app.js")) }},
		{"python", "app.py", func(t *testing.T, dir string) {
			run(t, dir, debianPython(t), "-c", "import jwt, cryptography")
		}, func(dir string) *exec.Cmd { return exec.Command(debianPythonPath(), filepath.Join(dir, "app.py")) }},
		{"java", "LoginServer.java", func(t *testing.T, dir string) {
			need(t, "java", "apt-get install -y default-jdk-headless")
		}, func(dir string) *exec.Cmd { return exec.Command("java", filepath.Join(dir, "LoginServer.java")) }},
		{"go", "main.go", func(t *testing.T, dir string) {
			// As its first lines say, with the module this repository pins.
			run(t, dir, "go", "mod", "init", "example.com/helpcenter-login")
			run(t, dir, "go", "get", "github.com/golang-jwt/jwt/v5@v5.3.1")
			run(t, dir, "go", "build", "-o", "login", ".")
		}, func(dir string) *exec.Cmd { return exec.Command(filepath.Join(dir, "login")) }},
	}
	// Every language with the shared secret; with public keys, each
	// algorithm in several languages (SPEC section 9: the snippet signs
	// with the private key the partner holds).
	runs := map[string][]string{
		"HS256": {"node", "express", "python", "java", "go"},
		"ES256": {"node", "python", "java"},
		"EdDSA": {"node", "express", "python", "java"},
		"RS256": {"python", "go"},
	}
	for alg, ids := range runs {
		for _, id := range ids {
			var tc language
			for _, l := range languages {
				if l.id == id {
					tc = l
				}
			}
			runSnippet(t, alg, tc)
		}
	}
}

// runSnippet starts one snippet, signing as alg says, against a private
// help center whose live key matches, and signs a visitor in through it.
func runSnippet(t *testing.T, alg string, tc language) {
	t.Run(alg+"/"+tc.id, func(t *testing.T) {
		t.Parallel()
		app := testapp.New(t)
		app.Clock.Set(time.Now()) // the snippet signs with the real clock
		app.Signup(t, "owner@acme.test", "a long enough password", "Acme Docs", "acme")
		ctx := context.Background()
		hc, _ := app.Store.HelpCenterBySubdomain(ctx, "acme")
		port := freePort(t)
		const secret = "snippet-secret-0123456789abcdefghijklmnopqrstuvwxyz"
		update := store.SSOUpdate{
			Settings: models.SSOSettings{LoginURL: "http://127.0.0.1:" + port + "/help-center/login", Issuer: "acme-app", TokenTTL: 300},
			Enable:   true,
		}
		env := console.SecretEnvVar + "=" + secret
		var key console.SnippetKey
		if alg == models.AlgHS256 {
			update.NewSecret = secret
		}
		if err := app.Store.UpdateSSOSettings(ctx, hc.WorkspaceID, hc.ID, update); err != nil {
			t.Fatal(err)
		}
		if alg != models.AlgHS256 {
			// The help center knows only the public half: no secret.
			g, err := sso.GenerateKeyPair(alg)
			if err != nil {
				t.Fatal(err)
			}
			saved, err := app.Store.AddKey(ctx, hc.WorkspaceID, hc.ID, store.NewKey{Kind: models.KeyPublic, Alg: alg,
				KID: g.Public.Fingerprint, Label: "Generated", PublicDER: g.Public.DER})
			if err != nil {
				t.Fatal(err)
			}
			key = console.SnippetKey{Alg: alg, KID: saved.KID}
			env = console.PrivateKeyEnvVar + "=" + g.PrivatePEM
		}
		if err := app.Store.SetVisibility(ctx, hc.ID, models.VisibilityPrivate, ""); err != nil {
			t.Fatal(err)
		}
		code := console.SnippetCode(tc.id, app.HelpCenterURL("acme")+"/sso/jwt", "acme-app", "", key)
		if code == "" {
			t.Fatalf("no %s snippet", tc.id)
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, tc.file), []byte(code), 0o600); err != nil {
			t.Fatal(err)
		}
		tc.setup(t, dir)
		cmd := tc.command(dir)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "PORT="+port, env)
		out := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		waitListening(t, "127.0.0.1:"+port, out)

		b := newBrowser(t)
		b.open(app.HelpCenterURL("acme") + "/")
		b.see("Signed in as Jane Doe")
		if t.Failed() {
			t.Logf("the snippet said:\n%s", out.String())
		}
		if ev := storetest.Events(t, app.Config.Database, hc.ID); len(ev) == 0 || ev[len(ev)-1].Reason != "" ||
			(alg != models.AlgHS256 && !strings.HasPrefix(ev[len(ev)-1].Key, "Generated ")) {
			t.Errorf("the sign-in's row: %+v", ev)
		}
	})
}

func need(t *testing.T, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed: the snippet test needs it (%s)", name, install)
	}
	return p
}

// debianPythonPath is Debian's python3, where apt-get install python3-jwt
// puts PyJWT (a python3 earlier on PATH may be another one).
func debianPythonPath() string {
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	return "python3"
}

func debianPython(t *testing.T) string {
	t.Helper()
	p := debianPythonPath()
	if _, err := exec.LookPath(p); err != nil {
		t.Fatalf("python3 is not installed: the snippet test needs it (apt-get install -y python3 python3-jwt)")
	}
	return p
}

func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s\n(the snippet test needs node with npm and python3 with PyJWT: apt-get install -y nodejs npm python3-jwt)", name, args, err, out)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// waitListening waits for the snippet's server to accept connections.
func waitListening(t *testing.T, addr string, out fmt.Stringer) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the snippet never listened on %s; it said:\n%s", addr, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lockedBuffer collects a child process's output safely.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }
