package store

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrBadCursor is returned for a page cursor this store did not issue.
var ErrBadCursor = errors.New("bad page cursor")

// TimeRange is a half-open [From, To) filter; a zero bound is open.
type TimeRange struct {
	From, To time.Time
}

func (r TimeRange) bounds() (string, string) {
	from, to := "0000", "9999"
	if !r.From.IsZero() {
		from = FormatTime(r.From)
	}
	if !r.To.IsZero() {
		to = FormatTime(r.To)
	}
	return from, to
}

// ListFilter narrows and orders a record list. Sort names a whitelisted key of
// the list (never SQL); After is the opaque cursor of the previous page.
type ListFilter struct {
	ServiceID int64
	TeamID    int64
	Tier      *int // nil = any
	Severity  int  // 0 = any
	Status    string
	Range     TimeRange
	Sort      string
	Desc      bool
	After     string
	Limit     int
}

// Page is one page of a keyset-paginated list.
type Page[T any] struct {
	Rows []T
	// Next is the cursor for the following page, empty on the last page.
	Next string
}

// sortKey maps a public sort name to its column; the column is a constant,
// so user input never reaches the SQL text.
type sortKey struct {
	name   string
	column string
	isInt  bool
}

// where collects conditions and their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

func pickSort(keys []sortKey, name string) sortKey {
	for _, k := range keys {
		if k.name == name {
			return k
		}
	}
	return keys[0]
}

// encodeCursor packs the sort value and id of a page's last row. The id
// (digits only) goes last and decodeCursor splits at the last '|', so any
// value round-trips, '|' included ("Checkout | 5xx spike").
func encodeCursor(v any, id int64) string {
	var val string
	switch x := v.(type) {
	case []byte:
		val = string(x)
	case string:
		val = x
	case int64:
		val = strconv.FormatInt(x, 10)
	default:
		val = fmt.Sprint(x)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(val + "|" + strconv.FormatInt(id, 10)))
}

func decodeCursor(c string, isInt bool) (any, int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrBadCursor, err)
	}
	i := strings.LastIndexByte(string(b), '|')
	if i < 0 {
		return nil, 0, ErrBadCursor
	}
	val, idS := string(b[:i]), string(b[i+1:])
	id, err := strconv.ParseInt(idS, 10, 64)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: id: %v", ErrBadCursor, err)
	}
	if isInt {
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return nil, 0, fmt.Errorf("%w: value: %v", ErrBadCursor, err)
		}
		return n, id, nil
	}
	return val, id, nil
}

// applyKeyset adds the cursor condition and returns the ORDER BY and LIMIT clause.
func applyKeyset(w *where, k sortKey, f ListFilter, idCol string) (string, int, error) {
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	op, dir := ">", "ASC"
	if f.Desc {
		op, dir = "<", "DESC"
	}
	if f.After != "" {
		v, id, err := decodeCursor(f.After, k.isInt)
		if err != nil {
			return "", 0, err
		}
		w.add(fmt.Sprintf("(%s %s ? OR (%s = ? AND %s %s ?))", k.column, op, k.column, idCol, op), v, v, id)
	}
	return fmt.Sprintf(" ORDER BY %s %s, %s %s LIMIT %d", k.column, dir, idCol, dir, limit+1), limit, nil
}

func (f ListFilter) scope(w *where, serviceCol, timeCol string) {
	if f.ServiceID != 0 {
		w.add(serviceCol+" = ?", f.ServiceID)
	}
	if f.Tier != nil {
		w.add("s.tier = ?", *f.Tier)
	}
	if f.TeamID != 0 {
		w.add("s.team_id = ?", f.TeamID)
	}
	if !f.Range.From.IsZero() {
		w.add(timeCol+" >= ?", FormatTime(f.Range.From))
	}
	if !f.Range.To.IsZero() {
		w.add(timeCol+" < ?", FormatTime(f.Range.To))
	}
}
