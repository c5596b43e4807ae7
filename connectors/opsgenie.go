package connectors

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"sreport/analytics/imports"
)

// Opsgenie: alerts (pages) and incidents by creation time, mapped by the
// opsgenie-api importer ({"data":[…]}). The alert list leaves out details
// and entity, which name an alert's service, so every listed alert is read
// whole (GET /v2/alerts/{id}) before mapping. Open alerts and incidents are
// read again by id on every run.
func init() { builders[Opsgenie] = newOpsgenie }

const (
	ogLimit = 100
	// Opsgenie refuses offset+limit above 20,000.
	ogMaxOffset = 20000
	ogWindow    = 7 * 24 * time.Hour
)

type opsgenie struct{ e *env }

func newOpsgenie(e *env) ([]stream, error) {
	e.c.auth = func(h http.Header) { h.Set("Authorization", "GenieKey "+e.cred) }
	og := &opsgenie{e}
	var out []stream
	if e.set.wants("alerts", nil) {
		out = append(out, &windowStream{name: "alerts", since: e.since, now: e.now, window: ogWindow, limit: ogLimit, maxOffset: ogMaxOffset,
			fetch: func(ctx context.Context, from, to time.Time, offset int) (windowPage, error) {
				return og.window(ctx, "/v2/alerts", true, from, to, offset)
			}})
	}
	if e.set.wants("incidents", nil) {
		out = append(out, &windowStream{name: "incidents", since: e.since, now: e.now, window: ogWindow, limit: ogLimit, maxOffset: ogMaxOffset,
			fetch: func(ctx context.Context, from, to time.Time, offset int) (windowPage, error) {
				return og.window(ctx, "/v1/incidents", false, from, to, offset)
			}})
	}
	if e.set.wants("alerts", nil) {
		out = append(out, &refreshStream{name: "open alerts", per: 50,
			list: func(ctx context.Context) ([]string, error) { return e.openRecords(ctx, "opsgenie", "pages") },
			fetch: func(ctx context.Context, ids []string) (*imports.Batch, int, error) {
				return og.byID(ctx, "/v2/alerts/", ids)
			}})
	}
	if e.set.wants("incidents", nil) {
		out = append(out, &refreshStream{name: "open incidents", per: 50,
			list: func(ctx context.Context) ([]string, error) { return e.openRecords(ctx, "opsgenie", "incidents") },
			fetch: func(ctx context.Context, ids []string) (*imports.Batch, int, error) {
				return og.byID(ctx, "/v1/incidents/", ids)
			}})
	}
	return out, nil
}

type ogItem struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"createdAt"`
}

func (o *opsgenie) window(ctx context.Context, path string, whole bool, from, to time.Time, offset int) (windowPage, error) {
	query := fmt.Sprintf("createdAt >= %d AND createdAt < %d", from.UnixMilli(), to.UnixMilli())
	if o.e.set.Query != "" {
		query = "(" + o.e.set.Query + ") AND " + query
	}
	q := url.Values{"query": {query}, "sort": {"createdAt"}, "order": {"asc"}, "limit": {strconv.Itoa(ogLimit)},
		"offset": {strconv.Itoa(offset)}}
	res, err := o.e.c.get(ctx, path, q, nil)
	if err != nil {
		return windowPage{}, err
	}
	var body struct {
		Data   []json.RawMessage `json:"data"`
		Paging struct {
			Next string `json:"next"`
		} `json:"paging"`
	}
	if err := json.Unmarshal(res.Body, &body); err != nil {
		return windowPage{}, fmt.Errorf("%s page: %w", path, err)
	}
	var last time.Time
	items := body.Data
	if len(items) > 0 {
		var it ogItem
		if json.Unmarshal(items[len(items)-1], &it) == nil {
			last = it.CreatedAt
		}
	}
	if whole {
		ids := make([]string, 0, len(items))
		for _, raw := range items {
			var it ogItem
			if err := json.Unmarshal(raw, &it); err == nil && it.ID != "" {
				ids = append(ids, it.ID)
			}
		}
		if items, err = o.get(ctx, path+"/", ids); err != nil {
			return windowPage{}, err
		}
	}
	b, err := o.parse(items)
	if err != nil {
		return windowPage{}, err
	}
	more := body.Paging.Next != "" || len(body.Data) == ogLimit
	return windowPage{batch: b, n: len(body.Data), more: more, lastAt: last}, nil
}

// get reads records by id; one that is gone (deleted, or not visible to
// this key) is left out.
func (o *opsgenie) get(ctx context.Context, prefix string, ids []string) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, 0, len(ids))
	for _, id := range ids {
		res, err := o.e.c.get(ctx, prefix+url.PathEscape(id), url.Values{"identifierType": {"id"}}, nil)
		if IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var body struct {
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(res.Body, &body); err != nil {
			return nil, fmt.Errorf("%s%s: %w", prefix, id, err)
		}
		out = append(out, body.Data)
	}
	return out, nil
}

func (o *opsgenie) byID(ctx context.Context, prefix string, ids []string) (*imports.Batch, int, error) {
	items, err := o.get(ctx, prefix, ids)
	if err != nil {
		return nil, 0, err
	}
	b, err := o.parse(items)
	return b, len(items), err
}

func (o *opsgenie) parse(items []json.RawMessage) (*imports.Batch, error) {
	doc, err := json.Marshal(map[string][]json.RawMessage{"data": items})
	if err != nil {
		return nil, err
	}
	return parsePage("opsgenie-api", "opsgenie", doc, o.e.opt)
}
