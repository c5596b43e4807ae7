package ingest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"

	"sreport/analytics"
)

type argoApp struct {
	Kind     jstr `json:"kind"`
	Metadata struct {
		Name      jstr            `json:"name"`
		Namespace jstr            `json:"namespace"`
		Labels    map[string]jstr `json:"labels"`
	} `json:"metadata"`
	Spec struct {
		Destination struct {
			Namespace jstr `json:"namespace"`
			Name      jstr `json:"name"`
		} `json:"destination"`
	} `json:"spec"`
	Status struct {
		History []struct {
			ID              jstr   `json:"id"`
			Revision        jstr   `json:"revision"`
			Revisions       []jstr `json:"revisions"`
			DeployedAt      jtime  `json:"deployedAt"`
			DeployStartedAt jtime  `json:"deployStartedAt"`
		} `json:"history"`
		OperationState *struct {
			Phase      jstr  `json:"phase"`
			Message    jstr  `json:"message"`
			StartedAt  jtime `json:"startedAt"`
			FinishedAt jtime `json:"finishedAt"`
			Operation  struct {
				Sync *struct {
					Revision jstr `json:"revision"`
				} `json:"sync"`
				InitiatedBy struct {
					Username  jstr `json:"username"`
					Automated bool `json:"automated"`
				} `json:"initiatedBy"`
			} `json:"operation"`
			SyncResult *struct {
				Revision jstr `json:"revision"`
			} `json:"syncResult"`
		} `json:"operationState"`
	} `json:"status"`
}

// argocd reads one Application (kubectl/argocd -o json) or a list
// ({"items":[…]} or an array). Every status.history entry is a successful
// sync; a Failed/Error operationState newer than the last history entry is
// one failed deploy. Re-deploying a revision seen earlier (not the
// immediately previous one) is flagged as a rollback.
func (p *parser) argocd(in *bufio.Reader) error {
	s := newJSONStream(in)
	others := map[string]json.RawMessage{}
	n := 0
	err := s.object(map[string]bool{"items": true}, func(_ string, raw json.RawMessage, line, index int) error {
		n++
		p.argoApp(raw, line)
		return nil
	}, others)
	if err != nil {
		return err
	}
	if n == 0 && (others["status"] != nil || others["metadata"] != nil) {
		whole, _ := json.Marshal(others)
		p.argoApp(whole, 1)
	}
	return nil
}

func (p *parser) argoApp(raw json.RawMessage, line int) {
	var a argoApp
	if err := json.Unmarshal(raw, &a); err != nil {
		p.b.reject(line, snippet(raw), "application: %v", err)
		return
	}
	name := a.Metadata.Name.String()
	if name == "" {
		p.b.reject(line, snippet(raw), "application without metadata.name")
		return
	}
	env := ""
	for _, k := range []string{"environment", "env", "app.kubernetes.io/environment"} {
		if v, ok := a.Metadata.Labels[k]; ok && v.String() != "" {
			env = strings.ToLower(v.String())
			break
		}
	}
	seen := map[string]bool{}
	prev := ""
	var last *analytics.Deploy
	for i, h := range a.Status.History {
		rev := h.Revision.String()
		if rev == "" && len(h.Revisions) > 0 {
			rev = h.Revisions[0].String()
		}
		id := h.ID.String()
		if id == "" {
			id = fmt.Sprint(i)
		}
		if h.DeployedAt.T == nil {
			p.b.reject(line, "", "application %s: history[%d] (id %s): no deployedAt", name, i, id)
			continue
		}
		d := analytics.Deploy{
			ExternalID:  name + "/" + id,
			Service:     name,
			Environment: env,
			Version:     shortSHA(rev),
			StartedAt:   h.DeployStartedAt.T,
			FinishedAt:  *h.DeployedAt.T,
			Status:      analytics.DeploySuccess,
			IsRollback:  rev != "" && rev != prev && seen[rev],
		}
		seen[rev], prev = true, rev
		p.b.addDeploy(line, d)
		// A copy: a streaming sink keeps no slice to point into.
		last = &d
	}
	op := a.Status.OperationState
	if op == nil {
		return
	}
	phase := strings.ToLower(op.Phase.String())
	if phase != "failed" && phase != "error" {
		if phase == "running" || phase == "terminating" {
			p.b.warn("application %s: operation still %s; not imported", name, op.Phase.String())
		}
		return
	}
	if op.FinishedAt.T == nil || last != nil && !op.FinishedAt.T.After(last.FinishedAt) {
		return
	}
	rev := ""
	if op.SyncResult != nil {
		rev = op.SyncResult.Revision.String()
	}
	if rev == "" && op.Operation.Sync != nil {
		rev = op.Operation.Sync.Revision.String()
	}
	p.b.addDeploy(line, analytics.Deploy{
		ExternalID:  fmt.Sprintf("%s/op/%s", name, op.StartedAt.Raw),
		Service:     name,
		Environment: env,
		Version:     shortSHA(rev),
		StartedAt:   op.StartedAt.T,
		FinishedAt:  *op.FinishedAt.T,
		Status:      analytics.DeployFailed,
		IsRollback:  rev != "" && rev != prev && seen[rev],
	})
}
