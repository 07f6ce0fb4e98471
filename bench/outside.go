package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/oauth2-proxy/mockoidc"
)

// The outside-loader measurement: wrk, a C load generator in its own
// process, against the real binary with its request logs on (written to a
// file, as a deployment writes them), next to Echo answering "hello" and
// oauth2-proxy answering a request that carries its session cookie — the
// nearest open-source peer of a signed-in page. An in-process Go loader
// is slow enough to hide part of the server's cost; this is the figure a
// customer's load balancer sees.

// oauth2ProxyModule is the peer, built from the Go module proxy.
const oauth2ProxyModule = "github.com/oauth2-proxy/oauth2-proxy/v7@v7.15.6"

// peer is one server under wrk.
type peer struct {
	name   string
	url    string
	header []string // extra wrk -H values
	proc   *proc    // the product's process, for its peak RSS
	rates  []float64
	p99s   []time.Duration
}

func outsideRows(ctx context.Context, dir string, d time.Duration) ([]row, error) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		return nil, errors.New("wrk is not installed: apt-get install -y wrk (make bench installs it)")
	}
	fmt.Fprintln(os.Stderr, "building the binaries for the outside-loader measurement…")
	bin := filepath.Join(dir, "helpcenter")
	echoBin := filepath.Join(dir, "echohello")
	for _, b := range [][]string{{"-o", bin, "."}, {"-o", echoBin, "./bench/echohello"}} {
		if out, err := exec.Command("go", append([]string{"build"}, b...)...).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build %s: %v\n%s", b[2], err, out)
		}
	}
	proxyBin, err := buildOAuth2Proxy()
	if err != nil {
		return nil, err
	}

	hc, stopHC, err := startHelpCenter(ctx, bin, dir)
	if err != nil {
		return nil, err
	}
	defer stopHC()
	echoAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	echo, err := startProc(echoBin, []string{echoAddr}, nil, filepath.Join(dir, "echo.log"), "http://"+echoAddr+"/")
	if err != nil {
		return nil, err
	}
	defer echo.stop()
	proxy, stopProxy, err := startOAuth2Proxy(proxyBin, dir)
	if err != nil {
		return nil, err
	}
	defer stopProxy()

	peers := []*peer{{name: "bare Echo", url: "http://" + echoAddr + "/"}, hc, proxy}
	const rounds = 3
	fmt.Fprintf(os.Stderr, "measuring with wrk -t2 -c64, %d rounds of %s each, alternated…\n", rounds, d/rounds)
	for range rounds {
		for _, p := range peers {
			rate, p99, err := runWrk(wrk, p, d/rounds)
			if err != nil {
				return nil, err
			}
			p.rates, p.p99s = append(p.rates, rate), append(p.p99s, p99)
		}
	}
	echoRate, hcRate, proxyRate := mean(peers[0].rates), mean(hc.rates), mean(proxy.rates)
	rounded := func(p *peer) string {
		parts := make([]string, len(p.rates))
		for i, r := range p.rates {
			parts[i] = strconv.FormatFloat(r, 'f', 0, 64)
		}
		return strings.Join(parts, " / ")
	}
	return []row{
		{"signed-in help-center page under wrk -t2 -c64 (the binary, request logs to a file)",
			fmt.Sprintf("%.0f/s (rounds %s, p99 %s)", hcRate, rounded(hc), ms(maxDur(hc.p99s))),
			fmt.Sprintf("bare Echo \"hello\": %.0f/s (rounds %s)", echoRate, rounded(peers[0])), pct(hcRate, echoRate), "≥ 40 %"},
		{"", "", fmt.Sprintf("oauth2-proxy %s, cookie session: %.0f/s (rounds %s)", strings.SplitN(oauth2ProxyModule, "@", 2)[1], proxyRate, rounded(proxy)),
			fmt.Sprintf("%.2f×", hcRate/proxyRate), "≥ 2.5×"},
		{"peak RSS of the binary under wrk", hc.proc.peakRSS(), "", "", "< 100 MB"},
	}, nil
}

// runWrk runs one round and returns requests a second and the p99.
func runWrk(wrk string, p *peer, d time.Duration) (float64, time.Duration, error) {
	args := []string{"-t2", "-c64", "-d" + strconv.Itoa(max(1, int(d.Seconds()))) + "s", "--latency"}
	for _, h := range p.header {
		args = append(args, "-H", h)
	}
	out, err := exec.Command(wrk, append(args, p.url)...).CombinedOutput()
	if err != nil {
		return 0, 0, fmt.Errorf("wrk %s: %v\n%s", p.name, err, out)
	}
	text := string(out)
	if m := regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`).FindStringSubmatch(text); m != nil {
		return 0, 0, fmt.Errorf("wrk %s: %s responses were not 2xx — the session did not hold:\n%s", p.name, m[1], text)
	}
	m := regexp.MustCompile(`Requests/sec:\s+([\d.]+)`).FindStringSubmatch(text)
	if m == nil {
		return 0, 0, fmt.Errorf("wrk %s: no Requests/sec in\n%s", p.name, text)
	}
	rate, _ := strconv.ParseFloat(m[1], 64)
	var p99 time.Duration
	if m := regexp.MustCompile(`99%\s+([\d.]+)(us|ms|s)`).FindStringSubmatch(text); m != nil {
		v, _ := strconv.ParseFloat(m[1], 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[m[2]]
		p99 = time.Duration(v * float64(unit))
	}
	return rate, p99, nil
}

// startHelpCenter sets up a private help center with the CLI, starts the
// server and signs a visitor in; the peer carries the visitor's cookie.
func startHelpCenter(ctx context.Context, bin, dir string) (*peer, func(), error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, nil, err
	}
	_, port, _ := net.SplitHostPort(addr)
	env := []string{
		"HELPCENTER_ADDR=" + addr, "HELPCENTER_BASE_URL=http://localhost:" + port,
		"HELPCENTER_DATABASE=sqlite:" + filepath.Join(dir, "outside.db"),
		"HELPCENTER_SECRET_KEY=bench-master-key-0123456789abcdefghijkl", "BENCH_PASSWORD=bench password 1",
	}

	cli := func(stdin string, args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env, cmd.Stdin = append(os.Environ(), env...), strings.NewReader(stdin)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("helpcenter %s: %v: %s", strings.Join(args, " "), err, errOut.String())
		}
		return strings.TrimSpace(out.String()), nil
	}
	for _, c := range [][]string{
		{"migrate"},
		{"workspace", "create", "--name", "Bench", "--subdomain", "bench", "--admin-email", "owner@bench.test", "--admin-password-env", "BENCH_PASSWORD"},
		{"sso", "configure", "--subdomain", "bench", "--login-url", "https://partner.example/login", "--secret-stdin", "--allow-unsolicited"},
		{"visibility", "set", "--subdomain", "bench", "private"},
	} {
		if _, err := cli(secret+"\n", c...); err != nil {
			return nil, nil, err
		}
	}
	token, err := cli(secret+"\n", "token", "mint", "--subdomain", "bench", "--email", "reader@bench.test", "--name", "Bench Reader")
	if err != nil {
		return nil, nil, err
	}
	server, err := startProc(bin, []string{"serve"}, env, filepath.Join(dir, "helpcenter.log"), "http://"+addr+"/healthz")
	if err != nil {
		return nil, nil, err
	}
	stop := server.stop
	host := "bench.localhost:" + port
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/sso/jwt?jwt="+token, nil)
	req.Host = host
	res, err := noRedirects().Do(req)
	if err != nil {
		stop()
		return nil, nil, err
	}
	res.Body.Close()
	var cookie string
	for _, c := range res.Cookies() {
		if c.Name == "hc_session" {
			cookie = "hc_session=" + c.Value
		}
	}
	if cookie == "" {
		stop()
		return nil, nil, fmt.Errorf("the visitor's sign-in answered %d without a session cookie", res.StatusCode)
	}
	// wrk counts a redirect as success: make sure the cookie opens the page.
	req, _ = http.NewRequest(http.MethodGet, "http://"+addr+"/", nil)
	req.Host = host
	req.Header.Set("Cookie", cookie)
	res, err = noRedirects().Do(req)
	if err != nil {
		stop()
		return nil, nil, err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`role="search"`)) {
		stop()
		return nil, nil, fmt.Errorf("the signed-in page answered %d:\n%s", res.StatusCode, body)
	}
	return &peer{name: "helpcenter", url: "http://" + addr + "/", header: []string{"Host: " + host, "Cookie: " + cookie}, proc: server}, stop, nil
}

// startOAuth2Proxy runs oauth2-proxy against mockoidc in front of a static
// 200 and signs in once through the provider.
func startOAuth2Proxy(bin, dir string) (*peer, func(), error) {
	idp, err := mockoidc.Run()
	if err != nil {
		return nil, nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		idp.Shutdown()
		return nil, nil, err
	}
	base := "http://" + addr
	args := []string{
		"--http-address=" + addr, "--provider=oidc", "--oidc-issuer-url=" + idp.Issuer(),
		"--client-id=" + idp.ClientID, "--client-secret=" + idp.ClientSecret,
		"--cookie-secret=0123456789abcdef0123456789abcdef", "--cookie-secure=false",
		"--email-domain=*", "--upstream=static://200", "--redirect-url=" + base + "/oauth2/callback",
		"--skip-provider-button=true",
	}
	proxy, err := startProc(bin, args, nil, filepath.Join(dir, "oauth2-proxy.log"), base+"/ping")
	if err != nil {
		idp.Shutdown()
		return nil, nil, err
	}
	stopAll := func() { proxy.stop(); idp.Shutdown() }
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	res, err := client.Get(base + "/oauth2/start?rd=%2F")
	if err != nil {
		stopAll()
		return nil, nil, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	u, _ := url.Parse(base)
	for _, c := range jar.Cookies(u) {
		if c.Name == "_oauth2_proxy" && res.StatusCode == http.StatusOK {
			return &peer{name: "oauth2-proxy", url: base + "/", header: []string{"Cookie: _oauth2_proxy=" + c.Value}}, stopAll, nil
		}
	}
	stopAll()
	return nil, nil, fmt.Errorf("signing in to oauth2-proxy ended at %s with %d and no session cookie", res.Request.URL, res.StatusCode)
}

// buildOAuth2Proxy builds the peer once into the user's cache directory.
func buildOAuth2Proxy() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	gobin := filepath.Join(cache, "helpcenter-bench", strings.NewReplacer("/", "_", "@", "_").Replace(oauth2ProxyModule))
	bin := filepath.Join(gobin, "oauth2-proxy")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	fmt.Fprintln(os.Stderr, "building", oauth2ProxyModule, "(once; a few minutes)…")
	cmd := exec.Command("go", "install", oauth2ProxyModule)
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install %s: %v\n%s", oauth2ProxyModule, err, out)
	}
	return bin, nil
}

// proc is a started server process.
type proc struct {
	cmd  *exec.Cmd
	stop func()
}

// peakRSS is the process's high-water resident set (VmHWM).
func (p *proc) peakRSS() string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/status")
	if err != nil {
		return "unknown"
	}
	return vmHWM(b)
}

// startProc runs bin with its output in logFile and waits until ready
// answers.
func startProc(bin string, args, env []string, logFile, ready string) (*proc, error) {
	f, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, err
	}
	stop := func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		f.Close()
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		res, err := http.Get(ready)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return &proc{cmd: cmd, stop: stop}, nil
			}
		}
	}
	stop()
	out, _ := os.ReadFile(logFile)
	return nil, fmt.Errorf("%s did not answer %s within 20 s:\n%s", filepath.Base(bin), ready, out)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func noRedirects() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func mean(xs []float64) float64 {
	var sum float64
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

func maxDur(ds []time.Duration) time.Duration {
	var m time.Duration
	for _, d := range ds {
		m = max(m, d)
	}
	return m
}
