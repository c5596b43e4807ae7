package store_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"sreport/analytics/store"
	"sreport/testutil"
)

// plainSealer stands in for secrets.Box: the store only keeps what it is
// given.
type plainSealer struct{}

func (plainSealer) Seal(p []byte, aad string) (string, error) {
	return "sealed:" + aad + ":" + strconv.Itoa(len(p)), nil
}

func TestDeliveryLogIsBounded(t *testing.T) {
	st := testutil.NewStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	r, err := st.CreateWebhookReceiver(ctx, "gh", "github", "", []byte("0123456789abcdef"), plainSealer{}, now, store.Audit{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	log := func(id string, at time.Time, outcome string) {
		t.Helper()
		if err := st.RecordDelivery(ctx, store.WebhookDelivery{ReceiverID: r.ID, DeliveryID: id, ReceivedAt: at, Outcome: outcome, Status: 200}); err != nil {
			t.Fatal(err)
		}
	}
	log("old", now.Add(-store.DeliveryRetention-time.Hour), store.DeliveryAccepted)
	log("recent", now.Add(-time.Hour), store.DeliveryAccepted)
	log("now", now, store.DeliveryRejected)
	ds, err := st.WebhookDeliveries(ctx, r.ID, 100)
	if err != nil || len(ds) != 2 || ds[0].DeliveryID != "now" || ds[1].DeliveryID != "recent" {
		t.Fatalf("after pruning by age: %+v %v", ds, err)
	}
	// A rejected delivery is not done: its redelivery is taken.
	if _, err := st.DeliveryDone(ctx, r.ID, "now"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("rejected delivery counted as done: %v", err)
	}
	if d, err := st.DeliveryDone(ctx, r.ID, "recent"); err != nil || d.Outcome != store.DeliveryAccepted {
		t.Fatalf("accepted delivery not done: %+v %v", d, err)
	}
	for i := 0; i < store.DeliveryKeep+5; i++ {
		log("n"+strconv.Itoa(i), now.Add(time.Duration(i)*time.Second), store.DeliveryIgnored)
	}
	ds, err = st.WebhookDeliveries(ctx, r.ID, store.DeliveryKeep*2)
	if err != nil || len(ds) != store.DeliveryKeep || ds[0].DeliveryID != "n"+strconv.Itoa(store.DeliveryKeep+4) {
		t.Fatalf("after pruning by count: %d deliveries, newest %s, %v", len(ds), ds[0].DeliveryID, err)
	}
	if err := st.DeleteWebhookReceiver(ctx, r.ID, store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	if ds, _ := st.WebhookDeliveries(ctx, r.ID, 10); len(ds) != 0 {
		t.Fatalf("deliveries outlived their receiver: %d", len(ds))
	}
}
