package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"sreport/analytics"
	"sreport/analytics/report"
	"sreport/analytics/reporting"
	"sreport/analytics/store"
	"sreport/chromium"
	"sreport/mailer"
)

// smtpPasswordAAD binds the sealed SMTP password to its row.
const smtpPasswordAAD = "smtp_settings:1:password"

// errNoMail is a delivery attempted before an admin set up SMTP.
var errNoMail = errors.New("no SMTP server is set up: an admin sets one on /admin/delivery")

// mailServer loads the SMTP settings with the password opened.
func (h *Handler) mailServer(ctx context.Context) (mailer.Server, store.SMTPSettings, error) {
	m, err := h.store.SMTP(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return mailer.Server{}, m, errNoMail
	}
	if err != nil {
		return mailer.Server{}, m, err
	}
	s := mailer.Server{Host: m.Host, Port: m.Port, Security: m.Security, Username: m.Username, From: m.Sender}
	if m.PasswordSealed != "" {
		if h.cfg.Secrets == nil {
			return s, m, errors.New("the server runs without its secret key, so the SMTP password cannot be opened")
		}
		pw, err := h.cfg.Secrets.Open(m.PasswordSealed, smtpPasswordAAD)
		if err != nil {
			return s, m, fmt.Errorf("open the SMTP password (was the secret key changed?): %w", err)
		}
		s.Password = string(pw)
	}
	return s, m, nil
}

// deliverReport mails the report of period for sc's scope to its
// recipients: the PDF attached and a link to the web report.
func (h *Handler) deliverReport(ctx context.Context, sc analytics.ReportSchedule, period string) error {
	srv, m, err := h.mailServer(ctx)
	if err != nil {
		return err
	}
	exe, found := chromium.Path()
	if !found {
		return chromium.ErrNotInstalled
	}
	env, err := h.env(ctx)
	if err != nil {
		return err
	}
	now := h.cfg.Now()
	req := reportRequest{Request: reporting.Request{Period: period, Team: sc.Team, Tier: sc.Tier}}
	rep, err := reporting.Assemble(ctx, h.store, env, req.Request, now)
	if err != nil {
		return fmt.Errorf("assemble report %s: %w", period, err)
	}
	pdf, err := ReportPDF(ctx, exe, rep, now, h.cfg.Version, "")
	if err != nil {
		return fmt.Errorf("print report %s: %w", period, err)
	}
	title := "Reliability report " + report.Title(rep.Period) + " · " + rep.Request.Heading()
	var text strings.Builder
	fmt.Fprintf(&text, "%s\n\n", title)
	for i, s := range rep.Content.Summary {
		if i == 4 {
			break
		}
		fmt.Fprintf(&text, "- %s\n", s)
	}
	fmt.Fprintf(&text, "\nThe full report is attached as a PDF.\n")
	if m.PublicURL != "" {
		fmt.Fprintf(&text, "Open it on the web: %s%s\n", strings.TrimRight(m.PublicURL, "/"), req.href(rep.Period.Label, ""))
	}
	fmt.Fprintf(&text, "\nSent by sreport for a %s schedule; an admin changes it on /admin/delivery.\n", sc.Kind)
	return mailer.Send(ctx, srv, mailer.Message{To: sc.Recipients, Subject: title, Text: text.String(),
		Attachments: []mailer.Attachment{{Name: reportFileName(req, ".pdf"), Data: pdf}}})
}

// runDueDeliveries delivers every schedule whose period has ended and was
// not delivered yet, recording each success or failure; it returns how
// many were delivered. serve calls it every few minutes.
func (h *Handler) runDueDeliveries(ctx context.Context) (int, error) {
	scheds, err := h.store.ReportSchedules(ctx)
	if err != nil {
		return 0, err
	}
	st, err := h.store.Settings(ctx)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, sc := range scheds {
		now := h.cfg.Now()
		p, due := sc.DuePeriod(now, st.Location())
		if !due {
			continue
		}
		errText := ""
		if err := h.deliverReport(ctx, sc, p.Label); err != nil {
			errText = err.Error()
			h.log.Warn("report delivery failed", "schedule", sc.ID, "period", p.Label, "err", err)
		} else {
			sent++
			h.log.Info("report delivered", "schedule", sc.ID, "period", p.Label, "recipients", len(sc.Recipients))
		}
		if err := h.store.RecordReportDelivery(ctx, sc.ID, p.Label, h.cfg.Now(), errText); err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// deliveryLoop runs runDueDeliveries every interval until ctx ends.
func (h *Handler) deliveryLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := h.runDueDeliveries(ctx); err != nil && ctx.Err() == nil {
			h.log.Error("report deliveries", slog.Any("err", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
