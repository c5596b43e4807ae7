package mailer_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"sreport/mailer"
	"sreport/testutil"
)

func TestSendWithAttachment(t *testing.T) {
	srv := testutil.StartSMTP(t, "reports", "s3cret")
	s := mailer.Server{Host: srv.Host, Port: srv.Port, Security: mailer.SecurityNone, Username: "reports", Password: "s3cret", From: "sreport@example.com"}
	if errs := s.Validate(); len(errs) > 0 {
		t.Fatalf("Validate = %v", errs)
	}
	pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{0, 1, 2, 255}, 3000)...)
	err := mailer.Send(context.Background(), s, mailer.Message{To: []string{"vp@example.com", "lead@example.com"}, Subject: "Reliability report Q3 2026",
		Text: "The report is attached.", Attachments: []mailer.Attachment{{Name: "sreport-2026-Q3.pdf", Data: pdf}}})
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	if m.AuthUser != "reports" || m.From != "sreport@example.com" || strings.Join(m.To, ",") != "vp@example.com,lead@example.com" {
		t.Errorf("envelope = %+v", m)
	}
	p := testutil.ParseMail(t, m.Data)
	if p.Subject != "Reliability report Q3 2026" || !strings.Contains(p.Text, "The report is attached.") {
		t.Errorf("subject %q, text %q", p.Subject, p.Text)
	}
	if got := p.Attachments["sreport-2026-Q3.pdf"]; !bytes.Equal(got, pdf) || p.Types["sreport-2026-Q3.pdf"] != "application/pdf" {
		t.Errorf("attachment: %d bytes (want %d), type %q", len(got), len(pdf), p.Types["sreport-2026-Q3.pdf"])
	}

	// A wrong password is refused and the error says so; nothing is delivered.
	s.Password = "wrong"
	if err := mailer.Send(context.Background(), s, mailer.Message{To: []string{"vp@example.com"}, Subject: "x", Text: "x"}); err == nil {
		t.Error("send with a wrong password succeeded")
	}
	if len(srv.Messages()) != 1 {
		t.Error("a message was delivered with a wrong password")
	}
}

func TestRecipientsAndValidate(t *testing.T) {
	addrs, bad := mailer.Recipients("vp@example.com, Ana <ana@example.com>;\nnot-an-address\n")
	if strings.Join(addrs, " ") != "vp@example.com ana@example.com" || len(bad) != 1 || bad[0] != "not-an-address" {
		t.Errorf("Recipients = %q, bad %q", addrs, bad)
	}
	errs := mailer.Server{Host: "smtp example", Port: 0, Security: "ssl", From: "nobody"}.Validate()
	for _, f := range []string{"host", "port", "security", "from"} {
		if errs[f] == "" {
			t.Errorf("Validate: no error for %s", f)
		}
	}
}

// TestSendOverTLS delivers through real SMTP servers that encrypt: one with
// TLS from the first byte, one that offers STARTTLS and refuses AUTH before
// it. The message arrives over an encrypted session with its attachment;
// a server whose certificate is not trusted, and a plain server when
// STARTTLS is required, get nothing: the password never crosses in clear.
func TestSendOverTLS(t *testing.T) {
	pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{7, 0, 255}, 1000)...)
	msg := mailer.Message{To: []string{"vp@example.com"}, Subject: "Reliability report October 2026", Text: "Attached.",
		Attachments: []mailer.Attachment{{Name: "sreport-2026-10.pdf", Data: pdf}}}
	for _, tc := range []struct{ name, server, client string }{
		{"implicit TLS", testutil.SMTPTLS, mailer.SecurityTLS},
		{"STARTTLS", testutil.SMTPStartTLS, mailer.SecurityStartTLS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, pool := testutil.StartSMTPSecurity(t, "reports", "s3cret", tc.server)
			s := mailer.Server{Host: srv.Host, Port: srv.Port, Security: tc.client, Username: "reports", Password: "s3cret",
				From: "sreport@example.com", RootCAs: pool}
			if err := mailer.Send(context.Background(), s, msg); err != nil {
				t.Fatal(err)
			}
			msgs := srv.Messages()
			if len(msgs) != 1 || !msgs[0].TLS || msgs[0].AuthUser != "reports" {
				t.Fatalf("messages = %+v, want one, signed in over TLS", msgs)
			}
			if got := testutil.ParseMail(t, msgs[0].Data).Attachments["sreport-2026-10.pdf"]; !bytes.Equal(got, pdf) {
				t.Errorf("attachment: %d bytes, want %d", len(got), len(pdf))
			}
			// The host's roots do not hold the test CA: the certificate is refused.
			s.RootCAs = nil
			if err := mailer.Send(context.Background(), s, msg); err == nil {
				t.Error("sent to a server with an untrusted certificate")
			}
			if len(srv.Messages()) != 1 {
				t.Error("a message was delivered over an untrusted connection")
			}
		})
	}
	t.Run("STARTTLS required, server offers none", func(t *testing.T) {
		srv := testutil.StartSMTP(t, "reports", "s3cret")
		s := mailer.Server{Host: srv.Host, Port: srv.Port, Security: mailer.SecurityStartTLS, Username: "reports", Password: "s3cret",
			From: "sreport@example.com"}
		if err := mailer.Send(context.Background(), s, msg); err == nil {
			t.Error("sent in plain text although STARTTLS is required")
		}
		if len(srv.Messages()) != 0 {
			t.Error("a message was delivered without STARTTLS")
		}
	})
}
