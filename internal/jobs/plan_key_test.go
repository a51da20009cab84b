package jobs

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/devops-lead/devops-lead/internal/webhook"
)

// TestDispatchKeysTaskPullRequestEventsByPlanIssue: a review on a task's
// pull request (its body carries the plan's marker) runs under the plan
// issue's key, so it never writes the plan's state beside a command on
// the issue; a review on a human pull request keeps its own key.
func TestDispatchKeysTaskPullRequestEventsByPlanIssue(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		db := openTestDB(t, backend)
		q, err := New(db, newRecorder(), Options{PollInterval: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer q.Outbox.Close()
		ctx := context.Background()
		task := delivery("review-task", "acme/api", 40)
		task.Event, task.Action = "pull_request_review", "submitted"
		task.Payload = []byte(`{"action":"submitted","pull_request":{"number":40,"body":"Closes #12\n\n<!-- devops-lead:pr:12:ci:0a1b2c -->"}}`)
		human := delivery("review-human", "acme/api", 41)
		human.Event, human.Action = "pull_request_review", "submitted"
		human.Payload = []byte(`{"action":"submitted","pull_request":{"number":41,"body":"Fixes a typo"}}`)
		issue := delivery("labeled", "acme/api", 12)
		for _, d := range []*webhook.Delivery{task, human, issue} {
			if _, err := q.Outbox.Save(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := q.DispatchOnce(ctx); err != nil || n != 3 {
			t.Fatalf("dispatch: %d %v", n, err)
		}
		res, err := q.client.JobList(ctx, river.NewJobListParams().States(rivertype.JobStateAvailable).First(10))
		if err != nil {
			t.Fatal(err)
		}
		keys := map[string]string{}
		for _, j := range res.Jobs {
			var a DeliveryArgs
			if err := json.Unmarshal(j.EncodedArgs, &a); err != nil {
				t.Fatal(err)
			}
			keys[a.DeliveryID] = a.Key
		}
		want := map[string]string{"review-task": "acme/api#12", "review-human": "acme/api#41", "labeled": "acme/api#12"}
		for id, k := range want {
			if keys[id] != k {
				t.Errorf("%s keyed %q, want %q", id, keys[id], k)
			}
		}
	})
}
