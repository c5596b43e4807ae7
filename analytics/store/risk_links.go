package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"sreport/analytics"
)

// LinkRiskIncident records an incident as evidence for a risk; linking an
// already linked incident changes nothing. A missing incident is ErrNotFound.
func (s *Store) LinkRiskIncident(ctx context.Context, code string, incidentID int64, a Audit) error {
	return s.changeRiskIncident(ctx, code, incidentID, true, a)
}

// UnlinkRiskIncident removes an incident from a risk's evidence.
func (s *Store) UnlinkRiskIncident(ctx context.Context, code string, incidentID int64, a Audit) error {
	return s.changeRiskIncident(ctx, code, incidentID, false, a)
}

func (s *Store) changeRiskIncident(ctx context.Context, code string, incidentID int64, link bool, a Audit) error {
	at := auditTime(a)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := riskByCode(ctx, tx, code)
		if err != nil {
			return err
		}
		return changeRiskIncident(ctx, tx, cur, incidentID, link, a, at)
	})
}

// changeRiskIncident links (or unlinks) one incident inside tx with its
// history event, the risk's touch and the audit row; no change, no rows.
func changeRiskIncident(ctx context.Context, tx *sql.Tx, cur analytics.Risk, incidentID int64, link bool, a Audit, at time.Time) error {
	code := cur.Code
	var q string
	if link {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM incidents WHERE id = ?`, incidentID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("incident %d: %w", incidentID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: find incident %d: %w", incidentID, err)
		}
		q = `INSERT OR IGNORE INTO risk_incidents (risk_id, incident_id) VALUES (?, ?)`
	} else {
		q = `DELETE FROM risk_incidents WHERE risk_id = ? AND incident_id = ?`
	}
	res, err := tx.ExecContext(ctx, q, cur.ID, incidentID)
	if err != nil {
		return fmt.Errorf("store: link risk %s incident %d: %w", code, incidentID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // already so
	}
	ch := analytics.RiskChange{Field: "incidents", New: "#" + strconv.FormatInt(incidentID, 10)}
	action := "link_incident"
	if !link {
		ch.Old, ch.New, action = ch.New, "", "unlink_incident"
	}
	if err := writeRiskEvent(ctx, tx, cur.ID, at, a.Actor, ch, ""); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE risks SET updated_at = ?, updated_by = ? WHERE id = ?`, FormatTime(at), a.Actor, cur.ID); err != nil {
		return fmt.Errorf("store: touch risk %s: %w", code, err)
	}
	a.Action, a.Entity, a.EntityID, a.After = action, "risks", code, map[string]int64{"incident_id": incidentID}
	return WriteAudit(ctx, tx, a)
}

// KnownIncidentIDs returns which of ids are stored incidents.
func (s *Store) KnownIncidentIDs(ctx context.Context, ids []int64) (map[int64]bool, error) {
	out := make(map[int64]bool, len(ids))
	for chunk := range slices.Chunk(ids, 500) {
		rows, err := s.db.QueryContext(ctx, `SELECT id FROM incidents WHERE id IN (`+
			strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")+`)`, toAny(chunk)...)
		if err != nil {
			return nil, fmt.Errorf("store: find incidents: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: find incidents: %w", err)
			}
			out[id] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("store: find incidents: %w", err)
		}
	}
	return out, nil
}
