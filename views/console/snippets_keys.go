package console

import "strings"

// SnippetKey is how the snippets sign: the zero value is HS256 with the
// shared secret; Alg ES256, RS256 or EdDSA signs with the partner's PEM
// private key (PKCS #8, as the Keys page generates it), KID in the header.
type SnippetKey struct {
	Alg string
	KID string
}

func (k SnippetKey) public() bool { return k.Alg != "" && k.Alg != "HS256" }

// PrivateKeyEnvVar is where the public-key snippets read the partner's
// PEM private key from.
const PrivateKeyEnvVar = "HELPCENTER_PRIVATE_KEY"

// asymmetric returns the public-key variant of snippet id, or "" when the
// HS256 template is to be used. Each signs with its language's usual
// library where that library knows the algorithm, and with the language's
// own crypto where it does not (jsonwebtoken and .NET have no EdDSA).
func asymmetric(id string, k SnippetKey) string {
	switch id {
	case "node", "express":
		sign := `jwt.sign(claims, process.env.{{key_env}}, { algorithm: "{{alg}}", keyid: {{kid_js}} })`
		helper := ""
		if k.Alg == "EdDSA" {
			sign, helper = `signEdDSA(claims, process.env.{{key_env}}, {{kid_js}})`, nodeEdDSA
		}
		base := nodeKeySnippet
		if id == "express" {
			base = expressKeySnippet
		}
		require := `const jwt = require("jsonwebtoken");`
		install := "npm install jsonwebtoken"
		if id == "express" {
			install = "npm install express jsonwebtoken"
		}
		if k.Alg == "EdDSA" {
			require = ""
			if id == "express" {
				install = "npm install express"
			} else {
				install = "nothing to install (Node's own crypto signs EdDSA)"
			}
		}
		return strings.NewReplacer("{{node_sign}}", sign, "{{node_helper}}", helper, "{{node_require}}", require, "{{node_install}}", install).Replace(base)
	case "python":
		return pythonKeySnippet
	case "go":
		return goKeySnippet
	case "java":
		return strings.ReplaceAll(javaKeySnippet, "{{java_alg}}", map[string]string{
			"ES256": `"EC", "SHA256withECDSAinP1363Format"`, "RS256": `"RSA", "SHA256withRSA"`, "EdDSA": `"Ed25519", "Ed25519"`,
		}[k.Alg])
	case "php":
		if k.Alg == "EdDSA" {
			return strings.ReplaceAll(phpKeySnippet, "{{php_key}}", phpEdDSAKey)
		}
		return strings.ReplaceAll(phpKeySnippet, "{{php_key}}", `$key = getenv('{{key_env}}');`)
	case "ruby":
		if k.Alg == "EdDSA" {
			return rubyEdDSASnippet
		}
		return rubyKeySnippet
	case "csharp":
		if k.Alg == "EdDSA" {
			return csharpEdDSASnippet
		}
		return strings.NewReplacer("{{cs_import}}", map[string]string{"ES256": "ECDsa", "RS256": "RSA"}[k.Alg],
			"{{cs_key}}", map[string]string{"ES256": "ECDsaSecurityKey", "RS256": "RsaSecurityKey"}[k.Alg],
			"{{cs_alg}}", map[string]string{"ES256": "EcdsaSha256", "RS256": "RsaSha256"}[k.Alg]).Replace(csharpKeySnippet)
	}
	return ""
}

const nodeEdDSA = `
// EdDSA with Node's own crypto: a JWT is two base64url JSON parts and the
// Ed25519 signature of "header.payload".
function signEdDSA(claims, privateKeyPem, kid) {
  const part = (v) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const input = part({ alg: "EdDSA", typ: "JWT", kid }) + "." + part(claims);
  return input + "." + crypto.sign(null, Buffer.from(input), privateKeyPem).toString("base64url");
}
`

const nodeKeySnippet = `
// A complete Login URL for your app: save as app.js, then
//   {{node_install}}
//   {{key_env}}="$(cat private.pem)" node app.js
// and set the Login URL to http://localhost:3000/help-center/login
const http = require("node:http");
const crypto = require("node:crypto");
{{node_require}}

const SSO_ENDPOINT = {{endpoint}};
{{node_helper}}
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
  const claims = {
    jti: url.searchParams.get("key") || crypto.randomUUID(), // the key we sent, unchanged
    iss: {{issuer}},
    aud: {{audience}},
    iat: now,
    exp: now + 300,
    email: user.email,
    name: user.name,
    role: user.role,
    groups: user.groups,
  };
  const token = {{node_sign}};
  res.writeHead(302, { Location: SSO_ENDPOINT + "?jwt=" + encodeURIComponent(token) }).end();
}).listen(Number(process.env.PORT || 3000), "127.0.0.1");
`

const expressKeySnippet = `
// A complete Login URL for your Express app: save as app.js, then
//   {{node_install}}
//   {{key_env}}="$(cat private.pem)" node app.js
// and set the Login URL to http://localhost:3000/help-center/login
const crypto = require("node:crypto");
const express = require("express");
{{node_require}}

const SSO_ENDPOINT = {{endpoint}};
const app = express();
{{node_helper}}
// Replace with your app's signed-in user (and its sign-in middleware).
function currentUser(req) {
  return { email: "jane@example.com", name: "Jane Doe", role: "viewer", groups: [] };
}

app.get("/help-center/login", (req, res) => {
  const user = currentUser(req);
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    jti: String(req.query.key || crypto.randomUUID()), // the key we sent, unchanged
    iss: {{issuer}},
    aud: {{audience}},
    iat: now,
    exp: now + 300,
    email: user.email,
    name: user.name,
    role: user.role,
    groups: user.groups,
  };
  res.redirect(SSO_ENDPOINT + "?jwt=" + encodeURIComponent({{node_sign}}));
});

app.listen(Number(process.env.PORT || 3000), "127.0.0.1");
`

const pythonKeySnippet = `
# A complete Login URL for your app: save as app.py, then
#   pip install "PyJWT[crypto]"   (or: apt-get install python3-jwt python3-cryptography)
#   {{key_env}}="$(cat private.pem)" python3 app.py
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
        }, os.environ["{{key_env}}"], algorithm="{{alg}}", headers={"kid": {{kid_js}}})
        self.send_response(302)
        self.send_header("Location", SSO_ENDPOINT + "?jwt=" + quote(token, safe=""))
        self.end_headers()


HTTPServer(("127.0.0.1", int(os.environ.get("PORT", "3000"))), HelpCenterLogin).serve_forever()
`

const goKeySnippet = `
// A complete Login URL for your app: save as main.go, then
//   go mod init example.com/helpcenter-login && go get github.com/golang-jwt/jwt/v5
//   {{key_env}}="$(cat private.pem)" go run .
// and set the Login URL to http://localhost:3000/help-center/login
package main

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
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

// privateKey is the PEM (PKCS #8) private key in {{key_env}}.
func privateKey() any {
	block, _ := pem.Decode([]byte(os.Getenv("{{key_env}}")))
	if block == nil {
		log.Fatal("{{key_env}} holds no PEM private key")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		log.Fatal(err)
	}
	return key
}

var signingKey = privateKey()

func helpCenterLogin(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("key") // the key we sent, unchanged
	if key == "" {
		b := make([]byte, 16)
		rand.Read(b)
		key = hex.EncodeToString(b)
	}
	u := currentUser(r)
	now := time.Now().Unix()
	t := jwt.NewWithClaims(jwt.GetSigningMethod("{{alg}}"), jwt.MapClaims{
		"jti":   key,
		"iss":   {{issuer}},
		"aud":   {{audience}},
		"iat":   now,
		"exp":   now + 300,
		"email": u.Email,
		"name":  u.Name,
		"role":  u.Role,
	})
	t.Header["kid"] = {{kid_go}}
	token, err := t.SignedString(signingKey)
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

// The Java example signs with the JDK alone: its KeyFactory reads the
// PKCS #8 key, and for ES256 the P1363 form is the JWT's R‖S (the JDK's
// default ECDSA output is DER, which no verifier accepts).
const javaKeySnippet = `
// A complete Login URL for your app: save as LoginServer.java, then
//   {{key_env}}="$(cat private.pem)" java LoginServer.java
// and set the Login URL to http://localhost:3000/help-center/login
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.UUID;

public class LoginServer {
    static final String SSO_ENDPOINT = {{endpoint}};
    static final String KEY_ALGORITHM = new String[] {{{java_alg}}}[0];
    static final String SIGNATURE = new String[] {{{java_alg}}}[1];

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

    static PrivateKey privateKey() throws Exception {
        String pem = System.getenv("{{key_env}}").replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance(KEY_ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
    }

    static String sign(String payload, PrivateKey key) throws Exception {
        String header = b64(("{\"alg\":\"{{alg}}\",\"typ\":\"JWT\",\"kid\":" + json({{kid_js}}) + "}").getBytes(StandardCharsets.UTF_8));
        String body = b64(payload.getBytes(StandardCharsets.UTF_8));
        Signature signature = Signature.getInstance(SIGNATURE);
        signature.initSign(key);
        signature.update((header + "." + body).getBytes(StandardCharsets.US_ASCII));
        return header + "." + body + "." + b64(signature.sign());
    }

    public static void main(String[] args) throws Exception {
        PrivateKey key = privateKey();
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "3000"));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/help-center/login", exchange -> {
            try {
                String jti = UUID.randomUUID().toString();
                String query = exchange.getRequestURI().getRawQuery();
                for (String pair : query == null ? new String[0] : query.split("&")) {
                    if (pair.startsWith("key=")) jti = URLDecoder.decode(pair.substring(4), StandardCharsets.UTF_8); // the key we sent, unchanged
                }
                User user = currentUser();
                long now = System.currentTimeMillis() / 1000;
                String payload = "{\"jti\":" + json(jti) + ",\"iss\":" + json({{issuer}})
                    + ",\"aud\":" + json({{audience}})
                    + ",\"iat\":" + now + ",\"exp\":" + (now + 300)
                    + ",\"email\":" + json(user.email()) + ",\"name\":" + json(user.name()) + ",\"role\":" + json(user.role()) + "}";
                exchange.getResponseHeaders().set("Location", SSO_ENDPOINT + "?jwt=" + URLEncoder.encode(sign(payload, key), StandardCharsets.UTF_8));
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

// php-jwt reads PEM keys for ES256 and RS256; for EdDSA it wants the
// libsodium secret key, which the PKCS #8 key's last 32 bytes (the seed)
// make.
const phpEdDSAKey = `// php-jwt's EdDSA takes a libsodium key: the PEM's last 32 bytes are the seed.
$der = base64_decode(preg_replace('/-----[^-]+-----|\s/', '', getenv('{{key_env}}')));
$key = base64_encode(sodium_crypto_sign_secretkey(sodium_crypto_sign_seed_keypair(substr($der, -32))));`

const phpKeySnippet = `
<?php
// A complete Login URL for your app: save as index.php, then
//   composer require firebase/php-jwt
//   {{key_env}}="$(cat private.pem)" php -S 127.0.0.1:3000 index.php
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
{{php_key}}
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
], $key, '{{alg}}', {{kid_php}});
header('Location: ' . SSO_ENDPOINT . '?jwt=' . urlencode($token), true, 302);
`

const rubyKeySnippet = `
# A complete Login URL for your app: save as app.rb, then
#   gem install jwt webrick
#   {{key_env}}="$(cat private.pem)" ruby app.rb
# and set the Login URL to http://localhost:3000/help-center/login
require "cgi"
require "jwt"
require "openssl"
require "securerandom"
require "webrick"

SSO_ENDPOINT = {{endpoint}}
PRIVATE_KEY = OpenSSL::PKey.read(ENV.fetch("{{key_env}}"))

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
  }, PRIVATE_KEY, "{{alg}}", { kid: {{kid_ruby}} })
  response.set_redirect(WEBrick::HTTPStatus::Found, "#{SSO_ENDPOINT}?jwt=#{CGI.escape(token)}")
end
trap("INT") { server.shutdown }
server.start
`

// ruby-jwt needs another gem for EdDSA; Ruby's OpenSSL signs Ed25519
// itself, so the EdDSA example builds the token with it.
const rubyEdDSASnippet = `
# A complete Login URL for your app: save as app.rb, then
#   gem install webrick
#   {{key_env}}="$(cat private.pem)" ruby app.rb
# and set the Login URL to http://localhost:3000/help-center/login
require "base64"
require "cgi"
require "json"
require "openssl"
require "securerandom"
require "webrick"

SSO_ENDPOINT = {{endpoint}}
PRIVATE_KEY = OpenSSL::PKey.read(ENV.fetch("{{key_env}}"))

# EdDSA with Ruby's OpenSSL: two base64url JSON parts and the Ed25519
# signature of "header.payload".
def sign_eddsa(claims)
  part = ->(v) { Base64.urlsafe_encode64(JSON.generate(v), padding: false) }
  input = "#{part.call({ alg: "EdDSA", typ: "JWT", kid: {{kid_ruby}} })}.#{part.call(claims)}"
  "#{input}.#{Base64.urlsafe_encode64(PRIVATE_KEY.sign(nil, input), padding: false)}"
end

# Replace with your app's signed-in user.
def current_user(_request)
  { email: "jane@example.com", name: "Jane Doe", role: "viewer", groups: [] }
end

server = WEBrick::HTTPServer.new(BindAddress: "127.0.0.1", Port: Integer(ENV.fetch("PORT", "3000")))
server.mount_proc "/help-center/login" do |request, response|
  user = current_user(request)
  now = Time.now.to_i
  token = sign_eddsa({
    jti: request.query["key"] || SecureRandom.hex(16), # the key we sent, unchanged
    iss: {{issuer}},
    aud: {{audience}},
    iat: now,
    exp: now + 300,
    email: user[:email],
    name: user[:name],
    role: user[:role],
    groups: user[:groups],
  })
  response.set_redirect(WEBrick::HTTPStatus::Found, "#{SSO_ENDPOINT}?jwt=#{CGI.escape(token)}")
end
trap("INT") { server.shutdown }
server.start
`

const csharpKeySnippet = `
// A complete Login URL for your app (ASP.NET Core minimal API):
//   dotnet new web -n HelpCenterLogin && cd HelpCenterLogin
//   dotnet add package System.IdentityModel.Tokens.Jwt
//   replace Program.cs with this file, then
//   {{key_env}}="$(cat private.pem)" dotnet run --urls http://localhost:3000
// and set the Login URL to http://localhost:3000/help-center/login
using System.IdentityModel.Tokens.Jwt;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

const string SsoEndpoint = {{endpoint}};

var app = WebApplication.CreateBuilder(args).Build();
var privateKey = {{cs_import}}.Create();
privateKey.ImportFromPem(Environment.GetEnvironmentVariable("{{key_env}}")!);
var credentials = new SigningCredentials(new {{cs_key}}(privateKey) { KeyId = {{kid_js}} }, SecurityAlgorithms.{{cs_alg}});

// Replace with your app's signed-in user.
(string Email, string Name, string Role) CurrentUser(HttpContext http) => ("jane@example.com", "Jane Doe", "viewer");

app.MapGet("/help-center/login", (HttpContext http) =>
{
    var user = CurrentUser(http);
    var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
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
    var token = new JwtSecurityTokenHandler().WriteToken(new JwtSecurityToken(new JwtHeader(credentials), payload));
    return Results.Redirect(SsoEndpoint + "?jwt=" + Uri.EscapeDataString(token));
});

app.Run();
`

// .NET has no Ed25519 of its own; NSec (libsodium) signs it, and the
// token is built by hand, as JWT is two base64url JSON parts and the
// signature.
const csharpEdDSASnippet = `
// A complete Login URL for your app (ASP.NET Core minimal API):
//   dotnet new web -n HelpCenterLogin && cd HelpCenterLogin
//   dotnet add package NSec.Cryptography
//   replace Program.cs with this file, then
//   {{key_env}}="$(cat private.pem)" dotnet run --urls http://localhost:3000
// and set the Login URL to http://localhost:3000/help-center/login
using System.Text;
using System.Text.Json;
using NSec.Cryptography;

const string SsoEndpoint = {{endpoint}};

var app = WebApplication.CreateBuilder(args).Build();
var ed25519 = SignatureAlgorithm.Ed25519;
var privateKey = Key.Import(ed25519, Encoding.ASCII.GetBytes(Environment.GetEnvironmentVariable("{{key_env}}")!), KeyBlobFormat.PkixPrivateKeyText);

string Part(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
string SignEdDSA(Dictionary<string, object> claims)
{
    var input = Part(JsonSerializer.SerializeToUtf8Bytes(new { alg = "EdDSA", typ = "JWT", kid = {{kid_js}} })) + "." + Part(JsonSerializer.SerializeToUtf8Bytes(claims));
    return input + "." + Part(ed25519.Sign(privateKey, Encoding.ASCII.GetBytes(input)));
}

// Replace with your app's signed-in user.
(string Email, string Name, string Role) CurrentUser(HttpContext http) => ("jane@example.com", "Jane Doe", "viewer");

app.MapGet("/help-center/login", (HttpContext http) =>
{
    var user = CurrentUser(http);
    var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    var token = SignEdDSA(new Dictionary<string, object>
    {
        ["jti"] = http.Request.Query["key"].FirstOrDefault() ?? Guid.NewGuid().ToString(), // the key we sent, unchanged
        ["iss"] = {{issuer}},
        ["aud"] = {{audience}},
        ["iat"] = now,
        ["exp"] = now + 300,
        ["email"] = user.Email,
        ["name"] = user.Name,
        ["role"] = user.Role,
    });
    return Results.Redirect(SsoEndpoint + "?jwt=" + Uri.EscapeDataString(token));
});

app.Run();
`
