package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"sreport/analytics"
)

// RiskImport is a confirmed register upload for ImportRisks.
type RiskImport struct {
	// Rows are the file's risks. A row whose Code names a stored risk
	// updates it, provided the stored version is still the row's Version
	// (the one the preview diffed against; otherwise *RiskConflictError),
	// through the same path as an edit: one history row per changed field,
	// an "update" audit row. A row with a free R-code is created under
	// that code, a row without a code under the next free one. Each row's
	// IncidentIDs are linked (never unlinked); a missing one is ErrNotFound.
	Rows []analytics.Risk
	// CreateTier >= 0 creates services no row can resolve in that tier
	// first; -1 makes an unknown service fail the whole import.
	CreateTier int
	// Source names the file in the history comments.
	Source string
}

// ImportRisks applies an upload in one transaction: all or none. It
// returns the stored risks in row order.
func (s *Store) ImportRisks(ctx context.Context, imp RiskImport, a Audit) ([]analytics.Risk, error) {
	at := auditTime(a)
	out := make([]analytics.Risk, len(imp.Rows))
	comment := "Imported from " + imp.Source
	if imp.Source == "" {
		comment = "Imported"
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var created []string
		if imp.CreateTier >= 0 {
			for _, r := range imp.Rows {
				for _, name := range canonical(r).Services {
					if _, err := serviceIDs(ctx, tx, []string{name}); errors.Is(err, ErrUnknownService) {
						if _, err := tx.ExecContext(ctx, `INSERT INTO services (name, tier) VALUES (?, ?)`, name, imp.CreateTier); err != nil {
							return fmt.Errorf("store: create service %q: %w", name, err)
						}
						created = append(created, name)
					} else if err != nil {
						return err
					}
				}
			}
		}
		seen := map[string]bool{}
		for _, r := range imp.Rows {
			if r.Code != "" && seen[r.Code] {
				return fmt.Errorf("store: import: risk %s appears twice", r.Code)
			}
			seen[r.Code] = true
		}
		var newCodes, updated []string
		// Rows carrying a code go first, so that a code the file gives is
		// never handed to an uncoded row by nextRiskCode.
		for pass := 0; pass < 2; pass++ {
			for i, r := range imp.Rows {
				if (r.Code == "") != (pass == 1) {
					continue
				}
				var nr analytics.Risk
				var err error
				stored := false
				var cur analytics.Risk
				if r.Code != "" {
					cur, err = riskByCode(ctx, tx, r.Code)
					switch {
					case err == nil:
						stored = true
					case !errors.Is(err, ErrNotFound):
						return err
					}
				}
				switch {
				case stored && cur.Version != r.Version:
					return &RiskConflictError{Current: cur}
				case stored && len(analytics.DiffRisks(cur, canonical(r))) == 0:
					nr = cur // unchanged: no history, no comment, no touch
				case stored:
					if nr, _, err = updateRisk(ctx, tx, r.Code, r.Version, r, comment, a, at); err != nil {
						return err
					}
					updated = append(updated, nr.Code)
				default:
					if nr, err = createRisk(ctx, tx, r, a.Actor, at); err != nil {
						return err
					}
					newCodes = append(newCodes, nr.Code)
					if !r.CreatedAt.IsZero() || r.CreatedBy != "" {
						// The creation event keeps the file's origin; say
						// when and by whom it came into this register.
						if err := writeRiskEvent(ctx, tx, nr.ID, at, a.Actor, analytics.RiskChange{}, comment); err != nil {
							return err
						}
					}
				}
				for _, id := range r.IncidentIDs {
					if slices.Contains(nr.IncidentIDs, id) {
						continue
					}
					if err := changeRiskIncident(ctx, tx, nr, id, true, a, at); err != nil {
						return err
					}
				}
				if len(r.IncidentIDs) > 0 {
					if nr, err = riskByCode(ctx, tx, nr.Code); err != nil {
						return err
					}
				}
				out[i] = nr
			}
		}
		a.Action, a.Entity, a.EntityID, a.Before = "import", "risks", "", nil
		a.After = map[string]any{"risks": newCodes, "updated": updated, "created_services": created, "file": imp.Source}
		return WriteAudit(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
