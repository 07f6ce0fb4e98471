// Package testsmtp runs a real SMTP server (emersion/go-smtp) on loopback
// for tests: it keeps every message it receives, parsed into its parts,
// and can be stopped and started again on the same port to play an
// outage. Only tests import it.
package testsmtp

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one mail the server received.
type Message struct {
	From    string
	To      []string
	Subject string
	Header  mail.Header
	// Text and HTML are the decoded text/plain and text/html parts.
	Text string
	HTML string
	// TLS reports whether the message came over STARTTLS.
	TLS bool
}

// Server is an SMTP server on 127.0.0.1.
type Server struct {
	// Addr is host:port; URL is the smtp:// URL for HELPCENTER_SMTP_URL.
	Addr string
	URL  string
	// Roots trusts the server's self-signed certificate (for 127.0.0.1).
	Roots *x509.CertPool

	t        testing.TB
	user     string
	password string
	mu       sync.Mutex
	srv      *smtp.Server
	tls      *tls.Config
	ln       net.Listener
	messages []Message
	arrived  chan struct{}
}

// Start runs a server without authentication until the test ends.
func Start(t testing.TB) *Server { return StartAuth(t, "", "") }

// StartAuth runs a server that requires AUTH PLAIN with user and
// password, offered after STARTTLS only.
func StartAuth(t testing.TB, user, password string) *Server {
	t.Helper()
	s := &Server{t: t, user: user, password: password, arrived: make(chan struct{}, 100)}
	s.tls, s.Roots = selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testsmtp: listen: %v", err)
	}
	s.Addr = ln.Addr().String()
	s.URL = "smtp://" + s.Addr
	if user != "" {
		s.URL = (&url.URL{Scheme: "smtp", User: url.UserPassword(user, password), Host: s.Addr}).String()
	}
	s.serve(ln)
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) serve(ln net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{s: s, c: c}, nil }))
	srv.Domain = "localhost"
	srv.TLSConfig = s.tls
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.mu.Lock()
	s.srv, s.ln = srv, ln
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// Stop closes the server: connections are refused until Restart.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, ln := s.srv, s.ln
	s.srv, s.ln = nil, nil
	s.mu.Unlock()
	if srv != nil {
		// The listener too: Close misses it when Serve has not begun.
		_ = ln.Close()
		_ = srv.Close()
	}
}

// Restart listens again on the same address.
func (s *Server) Restart() {
	s.t.Helper()
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		s.t.Fatalf("testsmtp: listen again on %s: %v", s.Addr, err)
	}
	s.serve(ln)
}

// Messages returns what has arrived so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Await waits until a message to the address arrives (or fails the test
// after timeout) and returns the latest such message.
func (s *Server) Await(to string, timeout time.Duration) Message {
	s.t.Helper()
	deadline := time.After(timeout)
	for {
		ms := s.Messages()
		for i := len(ms) - 1; i >= 0; i-- {
			for _, rcpt := range ms[i].To {
				if strings.EqualFold(rcpt, to) {
					return ms[i]
				}
			}
		}
		select {
		case <-s.arrived:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			s.t.Fatalf("testsmtp: no mail to %s within %s (got %d mails)", to, timeout, len(ms))
			return Message{}
		}
	}
}

var linkRE = regexp.MustCompile(`https?://[^\s"<>]+`)

// Link is the first link of the plain-text part containing substr.
func (m Message) Link(substr string) string {
	for _, l := range linkRE.FindAllString(m.Text, -1) {
		if strings.Contains(l, substr) {
			return l
		}
	}
	return ""
}

type session struct {
	s      *Server
	c      *smtp.Conn
	authed bool
	from   string
	to     []string
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, password string) error {
		if user != ss.s.user || password != ss.s.password {
			return errors.New("bad credentials")
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.user != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := parse(raw)
	if err != nil {
		return fmt.Errorf("testsmtp: unreadable message: %w", err)
	}
	m.From, m.To = ss.from, ss.to
	_, m.TLS = ss.c.TLSConnectionState()
	ss.s.mu.Lock()
	ss.s.messages = append(ss.s.messages, m)
	ss.s.mu.Unlock()
	select {
	case ss.s.arrived <- struct{}{}:
	default:
	}
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

func parse(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, err
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return Message{}, err
	}
	m := Message{Subject: subject, Header: msg.Header}
	return m, m.walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
}

// walk decodes a part, descending into multiparts.
func (m *Message) walk(contentType, encoding string, body io.Reader) error {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := m.walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	text, err := decode(encoding, body)
	if err != nil {
		return err
	}
	switch mediaType {
	case "text/plain":
		m.Text = text
	case "text/html":
		m.HTML = text
	}
	return nil
}

func decode(encoding string, r io.Reader) (string, error) {
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	b, err := io.ReadAll(r)
	return strings.ReplaceAll(string(b), "\r\n", "\n"), err
}

// selfSigned makes a certificate for 127.0.0.1 and the pool that trusts it.
func selfSigned(t testing.TB) (*tls.Config, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "testsmtp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}, roots
}
