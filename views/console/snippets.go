package console

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Snippet is ready-to-paste partner code that mints a token for this help
// center.
type Snippet struct {
	ID       string
	Language string
	Library  string
	Code     string
}

// SecretEnvVar is where every snippet reads the shared secret from: the
// console never writes a secret into code an admin copies around.
const SecretEnvVar = "HELPCENTER_SSO_SECRET"

// placeholderIssuer stands in for iss when no Issuer is configured: the
// claim is required, and any stable name of the partner's app will do.
const placeholderIssuer = "your-app"

// Snippets returns the partner examples (Node, Express, PHP, Ruby, Python, Go, Java, C#) for
// this help center, filled with its endpoint, issuer and audience, signing
// as key says: HS256 with the shared secret, or the public key's
// algorithm with the partner's private key and the key's kid. Each puts
// the key we sent in jti, signs for 300 seconds (exp = iat + 300) and
// redirects to endpoint?jwt=<token>. Values are written as string literals
// of each language, so an Issuer with quotes or "$" stays a plain string.
func Snippets(endpoint, issuer, audience string, key SnippetKey) []Snippet {
	iss := issuer
	if iss == "" {
		iss = placeholderIssuer
	}
	r := func(id, code string, quote func(string) string) string {
		if key.public() {
			code = asymmetric(id, key)
		}
		var kept []string
		for _, line := range strings.Split(code, "\n") {
			switch {
			case audience == "" && strings.Contains(line, "{{audience}}"):
				// No Audience is configured: the token needs no aud.
			case strings.TrimSpace(line) == "{{node_require}}":
			default:
				kept = append(kept, line)
			}
		}
		code = strings.Join(kept, "\n")
		code = strings.NewReplacer("{{endpoint}}", quote(endpoint), "{{issuer}}", quote(iss),
			"{{audience}}", quote(audience), "{{secret_env}}", SecretEnvVar, "{{key_env}}", PrivateKeyEnvVar,
			"{{alg}}", key.Alg, "{{kid_js}}", jsonQuote(key.KID), "{{kid_go}}", strconv.Quote(key.KID),
			"{{kid_php}}", singleQuote(key.KID), "{{kid_ruby}}", singleQuote(key.KID)).Replace(code)
		return strings.TrimSpace(code) + "\n"
	}
	lib := func(hs256, public, eddsa string) string {
		switch {
		case key.Alg == "EdDSA":
			return eddsa
		case key.public():
			return public
		}
		return hs256
	}
	return []Snippet{
		{ID: "node", Language: "Node.js", Library: lib("jsonwebtoken", "jsonwebtoken", "node:crypto"), Code: r("node", nodeSnippet, jsonQuote)},
		{ID: "express", Language: "Node.js (Express)", Library: lib("express, jsonwebtoken", "express, jsonwebtoken", "express, node:crypto"), Code: r("express", expressSnippet, jsonQuote)},
		{ID: "php", Language: "PHP", Library: "firebase/php-jwt", Code: r("php", phpSnippet, singleQuote)},
		{ID: "ruby", Language: "Ruby", Library: lib("jwt", "jwt", "openssl"), Code: r("ruby", rubySnippet, singleQuote)},
		{ID: "python", Language: "Python", Library: lib("PyJWT", "PyJWT with cryptography", "PyJWT with cryptography"), Code: r("python", pythonSnippet, jsonQuote)},
		{ID: "go", Language: "Go", Library: "golang-jwt/jwt/v5", Code: r("go", goSnippet, strconv.Quote)},
		{ID: "java", Language: "Java", Library: "the JDK alone", Code: r("java", javaSnippet, jsonQuote)},
		{ID: "csharp", Language: "C#", Library: lib("System.IdentityModel.Tokens.Jwt", "System.IdentityModel.Tokens.Jwt", "NSec.Cryptography"), Code: r("csharp", csharpSnippet, jsonQuote)},
	}
}

// SnippetCode is the code of the snippet with this id, "" for none.
func SnippetCode(id, endpoint, issuer, audience string, key SnippetKey) string {
	for _, s := range Snippets(endpoint, issuer, audience, key) {
		if s.ID == id {
			return s.Code
		}
	}
	return ""
}

// jsonQuote is a double-quoted literal valid in JavaScript and Python.
func jsonQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// singleQuote is a single-quoted PHP or Ruby literal: no interpolation.
func singleQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// The Node, Python and Go snippets are complete partner endpoints with a
// stub user: saved and started as their first lines say, they sign
// visitors in (e2e/snippets_test.go runs them against the product).

const nodeSnippet = `
// A complete Login URL for your app: save as app.js, then
//   npm install jsonwebtoken
//   {{secret_env}}=<your shared secret> node app.js
// and set the Login URL to http://localhost:3000/help-center/login
const http = require("node:http");
const crypto = require("node:crypto");
const jwt = require("jsonwebtoken");

const SSO_ENDPOINT = {{endpoint}};

// Replace with your app's signed-in user (send visitors who are not
// signed in to your own sign-in page first).
function currentUser(req) {
  return { email: "jane@example.com", name: "Jane Doe", role: "viewer", groups: [] };
}

http.createServer((req, res) => {
  const url = new URL(req.url, "http://localhost");
  if (url.pathname !== "/help-center/login") {
    res.writeHead(404).end();
    return;
  }
  const user = currentUser(req);
  const now = Math.floor(Date.now() / 1000);
  const token = jwt.sign({
    jti: url.searchParams.get("key") || crypto.randomUUID(), // the key we sent, unchanged
    iss: {{issuer}},
    aud: {{audience}},
    iat: now,
    exp: now + 300,
    email: user.email,
    name: user.name,
    role: user.role,
    groups: user.groups,
  }, process.env.{{secret_env}}, { algorithm: "HS256" });
  res.writeHead(302, { Location: SSO_ENDPOINT + "?jwt=" + encodeURIComponent(token) }).end();
}).listen(Number(process.env.PORT || 3000), "127.0.0.1");
`

const expressSnippet = `
// A complete Login URL for your Express app: save as app.js, then
//   npm install express jsonwebtoken
//   {{secret_env}}=<your shared secret> node app.js
// and set the Login URL to http://localhost:3000/help-center/login
const crypto = require("node:crypto");
const express = require("express");
const jwt = require("jsonwebtoken");

const SSO_ENDPOINT = {{endpoint}};
const app = express();

// Replace with your app's signed-in user (and its sign-in middleware).
function currentUser(req) {
  return { email: "jane@example.com", name: "Jane Doe", role: "viewer", groups: [] };
}

app.get("/help-center/login", (req, res) => {
  const user = currentUser(req);
  const now = Math.floor(Date.now() / 1000);
  const token = jwt.sign({
    jti: String(req.query.key || crypto.randomUUID()), // the key we sent, unchanged
    iss: {{issuer}},
    aud: {{audience}},
    iat: now,
    exp: now + 300,
    email: user.email,
    name: user.name,
    role: user.role,
    groups: user.groups,
  }, process.env.{{secret_env}}, { algorithm: "HS256" });
  res.redirect(SSO_ENDPOINT + "?jwt=" + encodeURIComponent(token));
});

app.listen(Number(process.env.PORT || 3000), "127.0.0.1");
`

const phpSnippet = `
<?php
// A complete Login URL for your app: save as index.php, then
//   composer require firebase/php-jwt
//   {{secret_env}}=<your shared secret> php -S 127.0.0.1:3000 index.php
// and set the Login URL to http://localhost:3000/help-center/login
require __DIR__ . '/vendor/autoload.php';

use Firebase\JWT\JWT;

const SSO_ENDPOINT = {{endpoint}};

// Replace with your app's signed-in user.
function current_user(): array {
    return ['email' => 'jane@example.com', 'name' => 'Jane Doe', 'role' => 'viewer', 'groups' => []];
}

if (parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) !== '/help-center/login') {
    http_response_code(404);
    exit;
}
$user = current_user();
$now = time();
$token = JWT::encode([
    'jti' => (string) ($_GET['key'] ?? bin2hex(random_bytes(16))), // the key we sent, unchanged
    'iss' => {{issuer}},
    'aud' => {{audience}},
    'iat' => $now,
    'exp' => $now + 300,
    'email' => $user['email'],
    'name' => $user['name'],
    'role' => $user['role'],
    'groups' => $user['groups'],
], getenv('{{secret_env}}'), 'HS256');
header('Location: ' . SSO_ENDPOINT . '?jwt=' . urlencode($token), true, 302);
`

const rubySnippet = `
# A complete Login URL for your app: save as app.rb, then
#   gem install jwt webrick
#   {{secret_env}}=<your shared secret> ruby app.rb
# and set the Login URL to http://localhost:3000/help-center/login
require "cgi"
require "jwt"
require "securerandom"
require "webrick"

SSO_ENDPOINT = {{endpoint}}

# Replace with your app's signed-in user.
def current_user(_request)
  { email: "jane@example.com", name: "Jane Doe", role: "viewer", groups: [] }
end

server = WEBrick::HTTPServer.new(BindAddress: "127.0.0.1", Port: Integer(ENV.fetch("PORT", "3000")))
server.mount_proc "/help-center/login" do |request, response|
  user = current_user(request)
  now = Time.now.to_i
  token = JWT.encode({
    jti: request.query["key"] || SecureRandom.hex(16), # the key we sent, unchanged
    iss: {{issuer}},
    aud: {{audience}},
    iat: now,
    exp: now + 300,
    email: user[:email],
    name: user[:name],
    role: user[:role],
    groups: user[:groups],
  }, ENV.fetch("{{secret_env}}"), "HS256")
  response.set_redirect(WEBrick::HTTPStatus::Found, "#{SSO_ENDPOINT}?jwt=#{CGI.escape(token)}")
end
trap("INT") { server.shutdown }
server.start
`

const pythonSnippet = `
# A complete Login URL for your app: save as app.py, then
#   pip install PyJWT        (or: apt-get install python3-jwt)
#   {{secret_env}}=<your shared secret> python3 app.py
# and set the Login URL to http://localhost:3000/help-center/login
import os
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, quote, urlparse

import jwt

SSO_ENDPOINT = {{endpoint}}


def current_user(request):
    """Replace with your app's signed-in user."""
    return {"email": "jane@example.com", "name": "Jane Doe", "role": "viewer", "groups": []}


class HelpCenterLogin(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlparse(self.path)
        if url.path != "/help-center/login":
            self.send_error(404)
            return
        key = parse_qs(url.query).get("key", [str(uuid.uuid4())])[0]  # the key we sent, unchanged
        user = current_user(self)
        now = int(time.time())
        token = jwt.encode({
            "jti": key,
            "iss": {{issuer}},
            "aud": {{audience}},
            "iat": now,
            "exp": now + 300,
            "email": user["email"],
            "name": user["name"],
            "role": user["role"],
            "groups": user["groups"],
        }, os.environ["{{secret_env}}"], algorithm="HS256")
        self.send_response(302)
        self.send_header("Location", SSO_ENDPOINT + "?jwt=" + quote(token, safe=""))
        self.end_headers()


HTTPServer(("127.0.0.1", int(os.environ.get("PORT", "3000"))), HelpCenterLogin).serve_forever()
`

const goSnippet = `
// A complete Login URL for your app: save as main.go, then
//   go mod init example.com/helpcenter-login && go get github.com/golang-jwt/jwt/v5
//   {{secret_env}}=<your shared secret> go run .
// and set the Login URL to http://localhost:3000/help-center/login
package main

import (
	"crypto/rand"
	"encoding/hex"
	"log"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const ssoEndpoint = {{endpoint}}

type user struct{ Email, Name, Role string }

// currentUser is your app's signed-in user: replace this stub.
func currentUser(r *http.Request) user {
	return user{Email: "jane@example.com", Name: "Jane Doe", Role: "viewer"}
}

func helpCenterLogin(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("key") // the key we sent, unchanged
	if key == "" {
		b := make([]byte, 16)
		rand.Read(b)
		key = hex.EncodeToString(b)
	}
	u := currentUser(r)
	now := time.Now().Unix()
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"jti":   key,
		"iss":   {{issuer}},
		"aud":   {{audience}},
		"iat":   now,
		"exp":   now + 300,
		"email": u.Email,
		"name":  u.Name,
		"role":  u.Role,
	}).SignedString([]byte(os.Getenv("{{secret_env}}")))
	if err != nil {
		http.Error(w, "could not sign the token", http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, ssoEndpoint+"?jwt="+url.QueryEscape(token), http.StatusFound)
}

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "3000"
	}
	http.HandleFunc("/help-center/login", helpCenterLogin)
	log.Fatal(http.ListenAndServe("127.0.0.1:"+port, nil))
}
`

// The Java example signs HS256 with the JDK's own HMAC and Base64, so it
// runs as one file with nothing to install (java LoginServer.java); the
// claims are few and fixed, so writing their JSON by hand is safe here.
const javaSnippet = `
// A complete Login URL for your app: save as LoginServer.java, then
//   {{secret_env}}=<your shared secret> java LoginServer.java
// and set the Login URL to http://localhost:3000/help-center/login
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

public class LoginServer {
    static final String SSO_ENDPOINT = {{endpoint}};

    // Replace with your app's signed-in user.
    record User(String email, String name, String role) {}
    static User currentUser() { return new User("jane@example.com", "Jane Doe", "viewer"); }

    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    static String b64(byte[] bytes) { return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes); }

    static String sign(String payload, String secret) throws Exception {
        String header = b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String body = b64(payload.getBytes(StandardCharsets.UTF_8));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return header + "." + body + "." + b64(mac.doFinal((header + "." + body).getBytes(StandardCharsets.US_ASCII)));
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "3000"));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/help-center/login", exchange -> {
            try {
                String key = UUID.randomUUID().toString();
                String query = exchange.getRequestURI().getRawQuery();
                for (String pair : query == null ? new String[0] : query.split("&")) {
                    if (pair.startsWith("key=")) key = URLDecoder.decode(pair.substring(4), StandardCharsets.UTF_8); // the key we sent, unchanged
                }
                User user = currentUser();
                long now = System.currentTimeMillis() / 1000;
                String payload = "{\"jti\":" + json(key) + ",\"iss\":" + json({{issuer}})
                    + ",\"aud\":" + json({{audience}})
                    + ",\"iat\":" + now + ",\"exp\":" + (now + 300)
                    + ",\"email\":" + json(user.email()) + ",\"name\":" + json(user.name()) + ",\"role\":" + json(user.role()) + "}";
                String token = sign(payload, System.getenv("{{secret_env}}"));
                exchange.getResponseHeaders().set("Location", SSO_ENDPOINT + "?jwt=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
                exchange.sendResponseHeaders(302, -1);
            } catch (Exception e) {
                exchange.sendResponseHeaders(500, -1);
            } finally {
                exchange.close();
            }
        });
        server.start();
    }
}
`

const csharpSnippet = `
// A complete Login URL for your app (ASP.NET Core minimal API):
//   dotnet new web -n HelpCenterLogin && cd HelpCenterLogin
//   dotnet add package System.IdentityModel.Tokens.Jwt
//   replace Program.cs with this file, then
//   {{secret_env}}=<your shared secret> dotnet run --urls http://localhost:3000
// and set the Login URL to http://localhost:3000/help-center/login
using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.Tokens;

const string SsoEndpoint = {{endpoint}};

var app = WebApplication.CreateBuilder(args).Build();

// Replace with your app's signed-in user.
(string Email, string Name, string Role) CurrentUser(HttpContext http) => ("jane@example.com", "Jane Doe", "viewer");

app.MapGet("/help-center/login", (HttpContext http) =>
{
    var user = CurrentUser(http);
    var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Environment.GetEnvironmentVariable("{{secret_env}}")!));
    var payload = new JwtPayload
    {
        ["jti"] = http.Request.Query["key"].FirstOrDefault() ?? Guid.NewGuid().ToString(), // the key we sent, unchanged
        ["iss"] = {{issuer}},
        ["aud"] = {{audience}},
        ["iat"] = now,
        ["exp"] = now + 300,
        ["email"] = user.Email,
        ["name"] = user.Name,
        ["role"] = user.Role,
    };
    var token = new JwtSecurityTokenHandler().WriteToken(
        new JwtSecurityToken(new JwtHeader(new SigningCredentials(key, SecurityAlgorithms.HmacSha256)), payload));
    return Results.Redirect(SsoEndpoint + "?jwt=" + Uri.EscapeDataString(token));
});

app.Run();
`
