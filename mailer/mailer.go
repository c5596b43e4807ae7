// Package mailer sends e-mail through an SMTP server: the scheduled
// reports, with their PDF attached.
package mailer

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Connection security of an SMTP server.
const (
	// SecurityStartTLS connects in plain text and requires STARTTLS before
	// anything is sent (port 587).
	SecurityStartTLS = "starttls"
	// SecurityTLS connects with TLS from the first byte (port 465).
	SecurityTLS = "tls"
	// SecurityNone sends in plain text: only for a relay on the same host
	// or network that accepts no credentials over the wire.
	SecurityNone = "none"
)

// Server is how to reach and sign in to an SMTP server.
type Server struct {
	Host     string
	Port     int
	Security string // SecurityStartTLS, SecurityTLS or SecurityNone
	Username string // empty: no authentication
	Password string
	From     string // the sender address
	// RootCAs, when set, are the only CAs the server's certificate may
	// chain to (a private CA); nil trusts the host's roots.
	RootCAs *x509.CertPool
}

// Validate returns the problems of s, keyed by field.
func (s Server) Validate() map[string]string {
	errs := map[string]string{}
	if strings.TrimSpace(s.Host) == "" || strings.ContainsAny(s.Host, " /:") {
		errs["host"] = "Enter the SMTP server's host name, e.g. smtp.example.com."
	}
	if s.Port < 1 || s.Port > 65535 {
		errs["port"] = "Enter a port between 1 and 65535 (587 for STARTTLS, 465 for TLS)."
	}
	switch s.Security {
	case SecurityStartTLS, SecurityTLS, SecurityNone:
	default:
		errs["security"] = "Choose STARTTLS, TLS or none."
	}
	if _, err := mail.ParseAddress(s.From); err != nil {
		errs["from"] = "Enter the sender's e-mail address."
	}
	return errs
}

// Attachment is a file sent with a message.
type Attachment struct {
	Name string
	Data []byte
}

// Message is one e-mail.
type Message struct {
	To          []string
	Subject     string
	Text        string
	Attachments []Attachment
}

// sendTimeout bounds one delivery: connecting, signing in and sending.
const sendTimeout = 60 * time.Second

// Send delivers m through s.
func Send(ctx context.Context, s Server, m Message) error {
	if len(m.To) == 0 {
		return errors.New("mail: no recipients")
	}
	msg := gomail.NewMsg()
	if err := msg.From(s.From); err != nil {
		return fmt.Errorf("mail: sender %q: %w", s.From, err)
	}
	if err := msg.To(m.To...); err != nil {
		return fmt.Errorf("mail: recipients: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	for _, a := range m.Attachments {
		msg.AttachReadSeeker(a.Name, bytes.NewReader(a.Data))
	}
	opts := []gomail.Option{gomail.WithPort(s.Port), gomail.WithTimeout(sendTimeout)}
	if s.RootCAs != nil {
		opts = append(opts, gomail.WithTLSConfig(&tls.Config{ServerName: s.Host, RootCAs: s.RootCAs, MinVersion: tls.VersionTLS12}))
	}
	switch s.Security {
	case SecurityTLS:
		opts = append(opts, gomail.WithSSL())
	case SecurityStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.Username != "" {
		// Over TLS, the strongest mechanism the server offers; in plain
		// text PLAIN, which the client sends to a loopback relay only.
		mech := gomail.SMTPAuthAutoDiscover
		if s.Security == SecurityNone {
			mech = gomail.SMTPAuthPlain
		}
		opts = append(opts, gomail.WithSMTPAuth(mech), gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
	}
	c, err := gomail.NewClient(s.Host, opts...)
	if err != nil {
		return fmt.Errorf("mail: client for %s: %w", s.Host, err)
	}
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mail: send via %s:%d: %w", s.Host, s.Port, err)
	}
	return nil
}

// Recipients parses a list of addresses separated by commas, semicolons or
// new lines; bad lists the entries that are not addresses.
func Recipients(list string) (addrs, bad []string) {
	for _, f := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' }) {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		a, err := mail.ParseAddress(f)
		if err != nil {
			bad = append(bad, f)
			continue
		}
		addrs = append(addrs, a.Address)
	}
	return addrs, bad
}
