package ingest

import (
	"bufio"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"sreport/analytics"
)

// opsgenieAlertsCSV reads an Opsgenie alerts CSV: one alert per row, the
// alert's fields as columns (TinyId, Id, Alias, Message, Status,
// Acknowledged, CreatedAt, UpdatedAt, Priority, Tags, Teams, Owner,
// AckTime, CloseTime, AcknowledgedBy, ClosedBy; Id may be absent). Every
// alert is a page. The service is a Service column, else a service:<name>
// tag, else the first team — never Source, which holds the caller's
// address or e-mail.
func (p *parser) opsgenieAlertsCSV(in *bufio.Reader) error {
	f, err := openCSV(in)
	if err != nil {
		return err
	}
	cID := f.col("id", "alert_id")
	cTiny := f.col("tinyid", "tiny_id")
	cMsg := f.col("message")
	cStatus := f.col("status")
	cAcked := f.col("acknowledged")
	cCreated := f.col("createdat", "created_at", "created")
	cUpdated := f.col("updatedat", "updated_at", "updated")
	cPrio := f.col("priority")
	cTags := f.col("tags")
	cTeams := f.col("teams", "team", "owner_team", "ownerteam")
	cService := f.col("service", "details_service")
	cAck := f.col("acktime", "ack_time", "report_acktime", "report_ack_time")
	cClose := f.col("closetime", "close_time", "report_closetime", "report_close_time")
	cClosedBy := f.col("closedby", "closed_by", "report_closedby", "report_closed_by")
	cAckBy := f.col("acknowledgedby", "acknowledged_by", "report_acknowledgedby", "report_acknowledged_by")
	cOwner := f.col("owner")
	if cID < 0 && cTiny < 0 {
		return errors.New("not an Opsgenie alerts export: no Id or TinyId column")
	}
	if cCreated < 0 {
		return errors.New("not an Opsgenie alerts export: no CreatedAt column")
	}
	for {
		rec, line, err := f.next(p.b)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		id := firstNonEmpty(cell(rec, cID), cell(rec, cTiny))
		if id == "" {
			p.b.reject(line, rawRow(rec), "no Id or TinyId")
			continue
		}
		tf := timeField{layout: goLayout(p.opt.DateLayout), loc: p.loc()}
		created := tf.req("CreatedAt", cell(rec, cCreated))
		updated := tf.opt("UpdatedAt", cell(rec, cUpdated))
		if tf.err != nil {
			p.b.reject(line, rawRow(rec), "alert %s: %v", id, tf.err)
			continue
		}
		service := cell(rec, cService)
		if service == "" {
			service = ogTagService(cell(rec, cTags))
		}
		if service == "" {
			service = firstListItem(cell(rec, cTeams))
		}
		if service == "" {
			service = strings.TrimSpace(p.opt.DefaultService)
		}
		if service == "" {
			p.b.reject(line, rawRow(rec), "alert %s: no service (a Service column, a service:<name> tag or a team); set a default service for this file", id)
			continue
		}
		status := strings.ToLower(cell(rec, cStatus))
		closed := status == "closed" || status == "resolved"
		pg := analytics.Page{
			ExternalID:  id,
			Service:     service,
			Title:       cell(rec, cMsg),
			Urgency:     ogUrgency(cell(rec, cPrio)),
			TriggeredAt: created,
		}
		acked, _ := parseBool(cell(rec, cAcked))
		if ms, ok, err := msCell(cell(rec, cAck)); err != nil {
			p.b.reject(line, rawRow(rec), "alert %s: AckTime: %v", id, err)
			continue
		} else if ok && (acked || cAcked < 0) {
			pg.AcknowledgedAt = ptr(created.Add(ms))
		}
		if ms, ok, err := msCell(cell(rec, cClose)); err != nil {
			p.b.reject(line, rawRow(rec), "alert %s: CloseTime: %v", id, err)
			continue
		} else if ok && closed {
			pg.ResolvedAt = ptr(created.Add(ms))
		}
		if closed && pg.ResolvedAt == nil {
			pg.ResolvedAt = updated
		}
		pg.AutoResolved = closed && pg.AcknowledgedAt == nil && ogSystemCloser(strings.ToLower(cell(rec, cClosedBy)))
		var people []analytics.Responder
		for _, c := range []struct {
			col  int
			role string
		}{{cOwner, analytics.RoleAssigned}, {cAckBy, analytics.RoleAcknowledged}, {cClosedBy, analytics.RoleResolved}} {
			if r, ok := ogPerson(cell(rec, c.col), c.role); ok {
				people = append(people, r)
			}
		}
		pg.Responders = analytics.NormalizeResponders(people)
		p.b.addPage(line, pg)
	}
}

// msCell reads a duration in milliseconds (Opsgenie's report ackTime and
// closeTime); "" is no value.
func msCell(s string) (time.Duration, bool, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || n < 0 {
		return 0, false, errors.New("not a number of milliseconds: " + strconv.Quote(s))
	}
	return time.Duration(n * float64(time.Millisecond)), true, nil
}

// ogTagService finds a service:<name> or service=<name> tag in a tags cell
// (comma separated, possibly bracketed).
func ogTagService(tags string) string {
	for _, t := range splitList(tags) {
		for _, pre := range []string{"service:", "service="} {
			if len(t) > len(pre) && strings.EqualFold(t[:len(pre)], pre) {
				return strings.TrimSpace(t[len(pre):])
			}
		}
	}
	return ""
}

// splitList splits a list cell ("a, b", "[a,b]", "a;b").
func splitList(s string) []string {
	s = strings.Trim(strings.TrimSpace(s), "[]")
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		if part = strings.Trim(strings.TrimSpace(part), `"'`); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func firstListItem(s string) string {
	if l := splitList(s); len(l) > 0 {
		return l[0]
	}
	return ""
}
