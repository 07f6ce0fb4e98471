// Package e2e drives the product in headless Chromium as a person would:
// it clicks, types and reads what is on the screen.
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds the browser; a missing browser fails the test with
// how to install it (a skipped browser test proves nothing).
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("Chromium is not installed: the browser tests need it. Install it with `apt-get install -y chromium` (or set CHROMIUM=/path/to/chrome).")
	return ""
}

// Browser is one headless Chromium tab for a test.
type Browser struct {
	t   *testing.T
	ctx context.Context
}

// newBrowser starts Chromium; when the test fails it saves a screenshot
// of the page to e2e/screenshots/<test>.png.
func newBrowser(t *testing.T, flags ...chromedp.ExecAllocatorOption) *Browser {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests are not run with -short")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	opts = append(opts, flags...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	if err := chromedp.Do(ctx); err != nil {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		t.Fatalf("start Chromium: %v", err)
	}
	b := &Browser{t: t, ctx: ctx}
	t.Cleanup(func() {
		if t.Failed() {
			b.screenshot("failure")
		}
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	return b
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// screenshot saves the full page to e2e/screenshots/<test>-<label>.png.
func (b *Browser) screenshot(label string) {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	// Quality 100 is what makes Chromium send PNG; anything less is JPEG.
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot failed: %v", err)
		return
	}
	dir := "screenshots"
	_ = os.MkdirAll(dir, 0o755)
	name := filepath.Join(dir, unsafeName.ReplaceAllString(b.t.Name()+"-"+label, "_")+".png")
	if err := os.WriteFile(name, png, 0o644); err != nil {
		b.t.Logf("save screenshot: %v", err)
		return
	}
	b.t.Logf("screenshot: e2e/%s", name)
}

// do executes actions and fails the test on error.
func (b *Browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v (at %s)", err, b.location())
	}
}

// eval evaluates a JavaScript expression and returns its value; pass
// chromedp.EvalAwaitPromise to wait for a promise (a fetch, say).
func eval[T any](b *Browser, js string, opts ...chromedp.EvaluateOption) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js, opts...))
	if err != nil {
		b.t.Fatalf("browser: evaluate %s: %v (at %s)", js, err, b.location())
	}
	return v
}

// location is the current URL, for failure messages.
func (b *Browser) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 3*time.Second)
	defer cancel()
	u, _ := chromedp.Run(ctx, chromedp.Location())
	return u
}

// open navigates to url and waits for the body.
func (b *Browser) open(url string) {
	b.t.Helper()
	b.do(chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body")))
}

// fill types value into the input whose <label> text is label, as a
// person finds a field.
func (b *Browser) fill(label, value string) {
	b.t.Helper()
	sel := b.fieldByLabel(label)
	// Emptied by script, not chromedp.Clear, which fails on an empty <textarea>.
	_ = eval[bool](b, fmt.Sprintf(`(() => { document.querySelector(%q).value = ""; return true; })()`, sel))
	b.do(chromedp.SendKeys(chromedp.CSS(sel), value))
}

// fieldByLabel resolves <label for=…> with exactly this text to a selector.
func (b *Browser) fieldByLabel(label string) string {
	b.t.Helper()
	js := fmt.Sprintf(`(() => { const l = [...document.querySelectorAll("label")].find(l => l.textContent.trim() === %q); return l ? l.htmlFor : ""; })()`, label)
	id := eval[string](b, js)
	if id == "" {
		b.t.Fatalf("no field labelled %q on %s", label, b.location())
	}
	return "#" + cssEscape(id)
}

func cssEscape(id string) string {
	return regexp.MustCompile(`([^A-Za-z0-9_-])`).ReplaceAllString(id, `\$1`)
}

// choose picks, in the <select> labelled label, the option whose visible
// text or value is option, as a person picks from a list (the change
// event fires).
func (b *Browser) choose(label, option string) {
	b.t.Helper()
	sel := b.fieldByLabel(label)
	js := fmt.Sprintf(`(() => { const s = document.querySelector(%q); const o = [...s.options].find(o => o.text.trim() === %q || o.value === %q); if (!o) return false; s.value = o.value; s.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`, sel, option, option)
	if !eval[bool](b, js) {
		b.t.Fatalf("no option %q in the list labelled %q on %s", option, label, b.location())
	}
}

// value is the current value of the field labelled label.
func (b *Browser) value(label string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(b.fieldByLabel(label))))
	if err != nil {
		b.t.Fatalf("browser: value of %q: %v", label, err)
	}
	return v
}

// check ticks the radio or checkbox labelled label.
func (b *Browser) check(label string) {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.CSS(b.fieldByLabel(label))))
}

// click clicks the button or link whose visible text is text, and waits
// for the next page when it navigates.
func (b *Browser) click(text string) {
	b.t.Helper()
	xpath := fmt.Sprintf(`//*[(self::button or self::a or self::input[@type="submit"]) and normalize-space(.)=%q]`, text)
	n := eval[int](b, fmt.Sprintf(`document.evaluate(%q, document, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null).snapshotLength`, xpath))
	if n == 0 {
		b.t.Fatalf("nothing to click labelled %q on %s", text, b.location())
	}
	_ = eval[bool](b, `(window.__e2eOldPage = true)`)
	b.do(chromedp.Click(xpath, chromedp.NodeVisible))
	b.waitNavigation(3 * time.Second)
}

// clickInPage clicks something that changes the page without leaving it
// (a copy button, an htmx control, a dialog opener).
func (b *Browser) clickInPage(text string) {
	b.t.Helper()
	xpath := fmt.Sprintf(`//*[(self::button or self::a or self::input[@type="submit"]) and normalize-space(.)=%q]`, text)
	b.do(chromedp.Click(xpath, chromedp.NodeVisible))
}

// waitNavigation waits up to d for the page marked before a click to be
// replaced, then for the new document to finish loading. A click that does
// not navigate costs the whole d.
func (b *Browser) waitNavigation(d time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		gone, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`window.__e2eOldPage !== true && document.readyState === "complete"`))
		if err == nil && gone {
			return
		}
		time.Sleep(40 * time.Millisecond)
	}
}

// text is the visible text of the page.
func (b *Browser) text() string {
	b.t.Helper()
	return eval[string](b, `document.body ? document.body.innerText : ""`)
}

// see fails unless the page shows want.
func (b *Browser) see(want string) {
	b.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if strings.Contains(b.text(), want) {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("page %s does not show %q; it shows:\n%s", b.location(), want, b.text())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// notSee fails if the page shows text.
func (b *Browser) notSee(text string) {
	b.t.Helper()
	if strings.Contains(b.text(), text) {
		b.t.Fatalf("page %s shows %q but must not", b.location(), text)
	}
}

// url is the current location.
func (b *Browser) url() string {
	b.t.Helper()
	return b.location()
}

// signUp creates a workspace through the signup form, as a newcomer does,
// with a password long enough for the rules.
func (b *Browser) signUp(baseURL, email, name, subdomain string) {
	b.t.Helper()
	b.open(baseURL + "/signup")
	b.fill("Work email", email)
	b.fill("Password", "a long enough password")
	b.fill("Help center name", name)
	b.fill("Subdomain", subdomain)
	b.click("Create help center")
}
