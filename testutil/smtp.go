package testutil

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"encoding/base64"
	"mime/quotedprintable"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTPServer is a real SMTP server on the loopback interface that keeps
// every message it accepts, for tests of mail delivery. With a user set
// it requires AUTH PLAIN with that user and password.
type SMTPServer struct {
	Host           string
	Port           int
	User, Password string

	mu   sync.Mutex
	msgs []SMTPMessage
}

// SMTPMessage is one accepted message: envelope, signed-in user and data.
type SMTPMessage struct {
	From     string
	To       []string
	AuthUser string
	TLS      bool // the session was encrypted (implicit TLS or STARTTLS)
	Data     []byte
}

// SMTP connection security a test server offers.
const (
	SMTPPlain    = "plain"    // no TLS; AUTH allowed in plain text (loopback only)
	SMTPStartTLS = "starttls" // offers STARTTLS and allows AUTH only after it
	SMTPTLS      = "tls"      // TLS from the first byte (port 465 style)
)

// StartSMTP starts an SMTPServer for the test; user "" accepts mail
// without authentication.
func StartSMTP(t testing.TB, user, password string) *SMTPServer {
	t.Helper()
	s, _ := StartSMTPSecurity(t, user, password, SMTPPlain)
	return s
}

// StartSMTPSecurity starts an SMTPServer with the given security (SMTPPlain,
// SMTPStartTLS or SMTPTLS). With TLS it serves a fresh self-signed
// certificate for 127.0.0.1 and returns a pool holding it, for the client
// to trust; with SMTPPlain the pool is nil.
func StartSMTPSecurity(t testing.TB, user, password, security string) (*SMTPServer, *x509.CertPool) {
	t.Helper()
	s := &SMTPServer{Host: "127.0.0.1", User: user, Password: password}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{srv: s, conn: c}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	srv.MaxMessageBytes = 32 << 20
	var pool *x509.CertPool
	if security == SMTPPlain {
		srv.AllowInsecureAuth = true // loopback only; the client allows PLAIN to 127.0.0.1 without TLS
	} else {
		var cert tls.Certificate
		cert, pool = selfSignedCert(t)
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtp: listen: %v", err)
	}
	s.Port = ln.Addr().(*net.TCPAddr).Port
	if security == SMTPTLS {
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	go func() { _ = srv.Serve(ln) }() // returns once closed
	t.Cleanup(func() { _ = srv.Close() })
	return s, pool
}

// selfSignedCert makes a certificate for 127.0.0.1 that is its own CA.
func selfSignedCert(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sreport test SMTP"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// Messages returns the messages accepted so far.
func (s *SMTPServer) Messages() []SMTPMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SMTPMessage(nil), s.msgs...)
}

type smtpSession struct {
	srv  *SMTPServer
	conn *smtp.Conn
	user string
	msg  SMTPMessage
}

func (ss *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if ss.srv.User == "" || user != ss.srv.User || pass != ss.srv.Password {
			return errors.New("invalid credentials")
		}
		ss.user = user
		return nil
	}), nil
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.srv.User != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	_, encrypted := ss.conn.TLSConnectionState()
	ss.msg = SMTPMessage{From: from, AuthUser: ss.user, TLS: encrypted}
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.msg.To = append(ss.msg.To, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.msg.Data = b
	ss.srv.mu.Lock()
	ss.srv.msgs = append(ss.srv.msgs, ss.msg)
	ss.srv.mu.Unlock()
	return nil
}

func (ss *smtpSession) Reset()        { ss.msg = SMTPMessage{} }
func (ss *smtpSession) Logout() error { return nil }

// ParsedMail is a received message taken apart: its headers, its plain
// text and its attachments by file name.
type ParsedMail struct {
	Header      mail.Header
	Subject     string // decoded from its RFC 2047 encoding
	Text        string
	Attachments map[string][]byte
	Types       map[string]string // attachment content types by file name
}

// ParseMail parses a MIME message (multipart or not), decoding base64 and
// quoted-printable parts.
func ParseMail(t testing.TB, data []byte) ParsedMail {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(string(data)))
	if err != nil {
		t.Fatalf("parse mail: %v", err)
	}
	p := ParsedMail{Header: m.Header, Attachments: map[string][]byte{}, Types: map[string]string{}}
	if p.Subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); err != nil {
		t.Fatalf("decode subject: %v", err)
	}
	var walk func(h textprotoHeader, body io.Reader)
	walk = func(h textprotoHeader, body io.Reader) {
		mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
		if err != nil {
			mt = "text/plain"
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				part, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatalf("parse mail part: %v", err)
				}
				walk(part.Header, part)
			}
		}
		var r = body
		switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
		case "base64":
			r = base64.NewDecoder(base64.StdEncoding, body)
		case "quoted-printable":
			r = qpReader(body)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("decode mail part: %v", err)
		}
		_, dp, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
		if name := dp["filename"]; name != "" {
			p.Attachments[name], p.Types[name] = b, mt
			return
		}
		if mt == "text/plain" {
			p.Text += string(b)
		}
	}
	walk(m.Header, m.Body)
	return p
}

// textprotoHeader is what mail.Header and a MIME part's header share.
type textprotoHeader interface{ Get(string) string }

// SMTPAddr is "host:port" of the server.
func (s *SMTPServer) SMTPAddr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

func qpReader(r io.Reader) io.Reader { return quotedprintable.NewReader(r) }
