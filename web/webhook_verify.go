package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
)

// OpsgenieSecretHeader carries an Opsgenie receiver's secret: Opsgenie's
// webhook integration signs nothing, but sends the custom headers it is
// configured with.
const OpsgenieSecretHeader = "X-Sreport-Secret"

// errSignature is a delivery that does not prove it knows the secret.
var errSignature = errors.New("bad signature")

// verifyDelivery checks a delivery against the receiver's secret the way
// its vendor signs: GitHub X-Hub-Signature-256 (HMAC-SHA256 of the body,
// "sha256=" hex), GitLab X-Gitlab-Token (the secret token itself),
// PagerDuty X-PagerDuty-Signature (one or more "v1=" hex HMAC-SHA256 of the
// body, comma-separated during a secret rotation), Opsgenie the custom
// header OpsgenieSecretHeader. Every comparison takes constant time.
func verifyDelivery(source string, secret, body []byte, hd http.Header) error {
	switch source {
	case "github":
		sig, ok := strings.CutPrefix(hd.Get("X-Hub-Signature-256"), "sha256=")
		if !ok {
			return errors.New("no X-Hub-Signature-256 header (set the webhook's secret in GitHub)")
		}
		if !hmacMatches(secret, body, sig) {
			return errSignature
		}
		return nil
	case "gitlab":
		tok := hd.Get("X-Gitlab-Token")
		if tok == "" {
			return errors.New("no X-Gitlab-Token header (set the webhook's secret token in GitLab)")
		}
		if !equalSecret(secret, []byte(tok)) {
			return errSignature
		}
		return nil
	case "pagerduty":
		h := hd.Get("X-PagerDuty-Signature")
		if h == "" {
			return errors.New("no X-PagerDuty-Signature header (only v3 webhook subscriptions sign)")
		}
		for _, part := range strings.Split(h, ",") {
			if sig, ok := strings.CutPrefix(strings.TrimSpace(part), "v1="); ok && hmacMatches(secret, body, sig) {
				return nil
			}
		}
		return errSignature
	case "opsgenie":
		v := hd.Get(OpsgenieSecretHeader)
		if v == "" {
			return errors.New("no " + OpsgenieSecretHeader + " header (add it as a custom header of the Opsgenie webhook integration)")
		}
		if !equalSecret(secret, []byte(v)) {
			return errSignature
		}
		return nil
	}
	return errors.New("unknown webhook source")
}

// hmacMatches reports whether hexSig is the HMAC-SHA256 of body under key.
func hmacMatches(key, body []byte, hexSig string) bool {
	got, err := hex.DecodeString(strings.TrimSpace(hexSig))
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return hmac.Equal(m.Sum(nil), got)
}

// equalSecret compares two secrets in constant time, whatever their
// lengths (hashing first hides the length too).
func equalSecret(a, b []byte) bool {
	ha, hb := sha256.Sum256(a), sha256.Sum256(b)
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// deliveryID is the vendor's id of a delivery, the same on every retry:
// GitHub X-GitHub-Delivery, GitLab Idempotency-Key (else
// X-Gitlab-Event-UUID), PagerDuty X-Webhook-Id. Opsgenie sends none, and a
// vendor may leave it out: then the body's SHA-256 stands in, which a retry
// repeats byte for byte.
func deliveryID(source string, body []byte, hd http.Header) string {
	var id string
	switch source {
	case "github":
		id = hd.Get("X-GitHub-Delivery")
	case "gitlab":
		id = firstHeader(hd, "Idempotency-Key", "X-Gitlab-Event-UUID")
	case "pagerduty":
		id = hd.Get("X-Webhook-Id")
	}
	if id = strings.TrimSpace(id); id != "" && len(id) <= 200 {
		return id
	}
	sum := sha256.Sum256(body)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func firstHeader(hd http.Header, names ...string) string {
	for _, n := range names {
		if v := hd.Get(n); v != "" {
			return v
		}
	}
	return ""
}

// eventHeader is the vendor's event name header.
func eventHeader(source string, hd http.Header) string {
	switch source {
	case "github":
		return hd.Get("X-GitHub-Event")
	case "gitlab":
		return hd.Get("X-Gitlab-Event")
	}
	return ""
}
