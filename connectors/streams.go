package connectors

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"sreport/analytics/imports"
	"sreport/analytics/ingest"
)

// A stream reads one list of one vendor (one repository's deployments, one
// ServiceNow table) page by page. Its position is a small JSON value the
// runner saves with every page; next reads the page after it and moves it.
type stream interface {
	key() string
	next(ctx context.Context) (page, error)
	// state is the position to save (nil: nothing to keep, e.g. a refresh
	// of open records, which a resumed run simply starts again).
	state() any
	load(raw json.RawMessage) error
}

// page is what one next call read.
type page struct {
	batch    *imports.Batch
	fetched  int     // API objects read
	done     bool    // caught up: nothing more this run
	progress float64 // back-fill done, 0..1; < 0 unknown
	// failed is a part of the stream that failed on its own (one SLO's
	// query) while the stream went on: the run ends failed with it after
	// storing the rest.
	failed error
}

// parsePage maps one page of API objects, shaped as the export format
// names it, with the importers: the same code a file import runs.
func parsePage(format, name string, body []byte, opt ingest.Options) (*imports.Batch, error) {
	opt.Format = format
	return ingest.ParsePage(body, name, opt)
}

func fraction(pos, since, now time.Time) float64 {
	if !now.After(since) {
		return 1
	}
	f := float64(pos.Sub(since)) / float64(now.Sub(since))
	return max(0, min(1, f))
}

// windowCursor is a windowStream's position: the start of the current
// time window and how many of its records (in ascending creation order)
// are stored.
type windowCursor struct {
	From   time.Time `json:"from"`
	Offset int       `json:"offset"`
}

// windowStream pages through fixed creation-time windows in ascending
// order with offset pagination (PagerDuty incidents, Opsgenie alerts and
// incidents). An offset stays valid inside a window that has ended, and a
// window still open at the run's start only grows at its end, so a saved
// offset never skips or repeats a record. Windows overlap by a second, in
// case the vendor's bounds are both exclusive.
type windowStream struct {
	name      string
	cur       windowCursor
	since     time.Time
	now       time.Time
	window    time.Duration
	limit     int // page size
	maxOffset int // the vendor's deepest offset + limit (0 = none)
	fetch     func(ctx context.Context, from, to time.Time, offset int) (windowPage, error)
}

// windowPage is one page of a window.
type windowPage struct {
	batch  *imports.Batch
	n      int
	more   bool
	lastAt time.Time // creation time of the page's last record
}

const overlap = time.Second

func (s *windowStream) key() string { return s.name }
func (s *windowStream) state() any  { return s.cur }
func (s *windowStream) load(raw json.RawMessage) error {
	return json.Unmarshal(raw, &s.cur)
}

func (s *windowStream) next(ctx context.Context) (page, error) {
	if s.cur.From.IsZero() || s.cur.From.Before(s.since) {
		s.cur = windowCursor{From: s.since}
	}
	to := s.cur.From.Add(s.window)
	if to.After(s.now) {
		to = s.now
	}
	if !to.After(s.cur.From) {
		return page{done: true, progress: 1}, nil
	}
	p, err := s.fetch(ctx, s.cur.From, to, s.cur.Offset)
	if err != nil {
		return page{}, err
	}
	out := page{batch: p.batch, fetched: p.n}
	switch {
	case p.more && p.n > 0:
		s.cur.Offset += p.n
		if s.maxOffset > 0 && s.cur.Offset+s.limit > s.maxOffset && !p.lastAt.IsZero() {
			// Too deep for the vendor: go on from the last record's time.
			s.cur = windowCursor{From: p.lastAt.Add(-overlap)}
		}
	case to.Equal(s.now):
		s.cur = windowCursor{From: to.Add(-overlap)}
		out.done = true
	default:
		s.cur = windowCursor{From: to.Add(-overlap)}
	}
	out.progress = fraction(s.cur.From, s.since, s.now)
	if out.done {
		out.progress = 1
	}
	return out, nil
}

// keysetCursor is a keysetStream's position: every record updated before
// After is stored; Token continues a page run of records that all share
// the time After.
type keysetCursor struct {
	After time.Time `json:"after"`
	Token string    `json:"token,omitempty"`
}

// keysetStream pages by last-update time in ascending order (GitLab,
// Jira, ServiceNow): each query asks for records updated at or after the
// last record read. Records updated while the stream runs move to its end
// instead of shifting later pages (which offset pages would do), so none
// is skipped; the records at the boundary are read twice, which the
// upserts absorb. Only when a whole page shares one time does it follow
// the vendor's own next page.
type keysetStream struct {
	name  string
	cur   keysetCursor
	since time.Time
	now   time.Time
	fetch func(ctx context.Context, after time.Time, token string) (keysetPage, error)
}

// keysetPage is one page of a keysetStream.
type keysetPage struct {
	batch *imports.Batch
	n     int
	more  bool      // the vendor says more records follow (a next page)
	last  time.Time // update time of the page's last record
	next  string    // the vendor's continuation of the same query
}

func (s *keysetStream) key() string { return s.name }
func (s *keysetStream) state() any  { return s.cur }
func (s *keysetStream) load(raw json.RawMessage) error {
	return json.Unmarshal(raw, &s.cur)
}

func (s *keysetStream) next(ctx context.Context) (page, error) {
	if s.cur.After.IsZero() {
		s.cur = keysetCursor{After: s.since}
	}
	p, err := s.fetch(ctx, s.cur.After, s.cur.Token)
	if err != nil {
		return page{}, err
	}
	out := page{batch: p.batch, fetched: p.n}
	switch {
	case p.n == 0:
		s.cur.Token = ""
		out.done = true
	case p.last.After(s.cur.After):
		s.cur = keysetCursor{After: p.last}
		out.done = !p.more
	case p.more && p.next != "":
		s.cur.Token = p.next
	default:
		s.cur.Token = ""
		out.done = true
	}
	out.progress = fraction(s.cur.After, s.since, s.now)
	if out.done {
		out.progress = 1
	}
	return out, nil
}

// walkCursor is a walkStream's position.
type walkCursor struct {
	Mark    time.Time `json:"mark,omitzero"`  // newest record of the last finished walk
	Floor   time.Time `json:"floor,omitzero"` // the current walk stops below this
	Top     time.Time `json:"top,omitzero"`   // newest record of the current walk
	Oldest  time.Time `json:"oldest,omitzero"`
	Next    string    `json:"next,omitempty"`
	Walking bool      `json:"walking,omitempty"`
	// ETags of list pages and sub-resources read in the last walk, for
	// conditional requests (GitHub: a 304 costs no rate limit).
	ETags map[string]etag `json:"etags,omitempty"`
}

// etag is a remembered conditional-request validator; for a list page also
// what the page said about its neighbours, so a 304 can be walked past.
type etag struct {
	ETag   string    `json:"etag"`
	Next   string    `json:"next,omitempty"`
	Oldest time.Time `json:"oldest,omitzero"`
	Newest time.Time `json:"newest,omitzero"`
	Count  int       `json:"count,omitempty"`
}

// walkStream pages newest first (GitHub deployments and workflow runs,
// Jenkins builds: lists without a time filter) from the top down to a
// floor: since on the first walk, later the newest record of the previous
// walk less the lookback, so deploys unfinished then are read again once
// finished. New records arriving during a walk push older ones to later
// pages, which repeats a few records but skips none.
type walkStream struct {
	name     string
	cur      walkCursor
	since    time.Time
	lookback time.Duration
	fetch    func(ctx context.Context, next string, etags map[string]etag) (walkPage, error)
}

// walkPage is one page of a walk.
type walkPage struct {
	batch          *imports.Batch
	n              int
	newest, oldest time.Time
	next           string // "" = last page
}

func (s *walkStream) key() string { return s.name }
func (s *walkStream) state() any  { return s.cur }
func (s *walkStream) load(raw json.RawMessage) error {
	return json.Unmarshal(raw, &s.cur)
}

func (s *walkStream) next(ctx context.Context) (page, error) {
	first := !s.cur.Walking
	if first {
		floor := s.since
		if !s.cur.Mark.IsZero() {
			floor = s.cur.Mark.Add(-s.lookback)
			if floor.Before(s.since) {
				floor = s.since
			}
		}
		s.cur = walkCursor{Mark: s.cur.Mark, Floor: floor, Walking: true, ETags: s.cur.ETags}
	}
	etags := s.cur.ETags
	if etags == nil {
		etags = map[string]etag{}
	}
	p, err := s.fetch(ctx, s.cur.Next, etags)
	if err != nil {
		return page{}, err
	}
	s.cur.ETags = etags
	if p.batch != nil {
		trimBefore(p.batch, s.since)
	}
	if p.newest.After(s.cur.Top) {
		s.cur.Top = p.newest
	}
	if !p.oldest.IsZero() {
		s.cur.Oldest = p.oldest
	}
	out := page{batch: p.batch}
	if p.batch != nil {
		out.fetched = p.n
	}
	if p.next == "" || p.n == 0 || !p.oldest.IsZero() && p.oldest.Before(s.cur.Floor) {
		if s.cur.Top.After(s.cur.Mark) {
			s.cur.Mark = s.cur.Top
		}
		// Validators of records below this walk's floor are not asked for
		// again.
		for k, e := range s.cur.ETags {
			if !e.Newest.IsZero() && e.Newest.Before(s.cur.Floor.Add(-24*time.Hour)) {
				delete(s.cur.ETags, k)
			}
		}
		s.cur = walkCursor{Mark: s.cur.Mark, ETags: s.cur.ETags}
		out.done, out.progress = true, 1
		return out, nil
	}
	s.cur.Next = p.next
	out.progress = -1
	if s.cur.Mark.IsZero() && s.cur.Top.After(s.since) && !s.cur.Oldest.IsZero() {
		// The first walk covers [since, Top] from the top down.
		out.progress = max(0, min(1, float64(s.cur.Top.Sub(s.cur.Oldest))/float64(s.cur.Top.Sub(s.since))))
	}
	return out, nil
}

// trimBefore drops deploys that finished before since: a newest-first page
// that reaches back past since also holds older records, which the
// connector was not asked for.
func trimBefore(b *imports.Batch, since time.Time) {
	kept := b.Deploys[:0]
	for _, d := range b.Deploys {
		if !d.FinishedAt.Before(since) {
			kept = append(kept, d)
		}
	}
	b.Deploys = kept
}

// refreshStream reads records sreport still holds as open (unresolved
// incidents, pages without a resolve time) again, a few per page, because
// a vendor's creation-time filter never returns them again once their
// window has passed. It keeps no position: a resumed run starts over.
type refreshStream struct {
	name  string
	list  func(ctx context.Context) ([]string, error)
	fetch func(ctx context.Context, ids []string) (*imports.Batch, int, error)
	per   int
	ids   []string
	pos   int
	ready bool
}

func (s *refreshStream) key() string                { return s.name }
func (s *refreshStream) state() any                 { return nil }
func (s *refreshStream) load(json.RawMessage) error { return nil }
func (s *refreshStream) next(ctx context.Context) (page, error) {
	if !s.ready {
		ids, err := s.list(ctx)
		if err != nil {
			return page{}, fmt.Errorf("open records: %w", err)
		}
		s.ids, s.ready = ids, true
	}
	if s.pos >= len(s.ids) {
		return page{done: true, progress: -1}, nil
	}
	end := min(s.pos+s.per, len(s.ids))
	b, n, err := s.fetch(ctx, s.ids[s.pos:end])
	if err != nil {
		return page{}, err
	}
	s.pos = end
	return page{batch: b, fetched: n, done: s.pos >= len(s.ids), progress: -1}, nil
}

// snapshotStream reads a whole list in one page each run (Argo CD's
// applications): there is no position to keep.
type snapshotStream struct {
	name  string
	fetch func(ctx context.Context) (page, error)
}

func (s *snapshotStream) key() string                            { return s.name }
func (s *snapshotStream) state() any                             { return nil }
func (s *snapshotStream) load(json.RawMessage) error             { return nil }
func (s *snapshotStream) next(ctx context.Context) (page, error) { return s.fetch(ctx) }
