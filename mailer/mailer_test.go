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
