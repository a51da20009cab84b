package webhook

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// MaxIdentity bounds an event identity; a longer one (a long label name
// or action in a signed payload) is replaced by its hash.
const MaxIdentity = 200

// EventIdentity is the identity FromPayload gives an event, exported for
// tools and tests. The signature covers the body but not the
// X-GitHub-Delivery header, so the delivery id alone cannot tell a
// replayed body from a new event; the identity is read from the body:
//
//   - issue_comment: the comment id and action (and, for edited, the
//     comment's updated_at and the changes);
//   - issues: the issue id, action, label name (labeled, unlabeled) and
//     the issue's updated_at, which is the event's time;
//   - pull_request: the pull request id, action, label name and
//     updated_at;
//   - pull_request_review: the review id and action (and the changes of
//     an edit);
//   - pull_request_review_comment: the comment id and action (and, for
//     edited, updated_at and the changes);
//   - any other event, or a payload without those fields: a hash of the
//     whole body.
//
// Two real events never share an identity, save a label removed and put
// back within the second GitHub's updated_at resolves.
func EventIdentity(event string, body []byte) (string, error) {
	d, err := FromPayload("", event, body)
	if err != nil {
		return "", err
	}
	return d.Identity, nil
}

// itemIdentity is the identity of an event on an issue or a pull request
// (kind "issue" or "pr"): its id, the label an action names, the item's
// updated_at (the event's time) and, for an edit, what changed; nil when
// the payload lacks the id or the time.
func itemIdentity(kind string, o *object, p *payload) (parts []string, at string) {
	if o == nil || o.ID == 0 || o.UpdatedAt == "" {
		return nil, ""
	}
	parts = []string{kind + ":" + strconv.FormatInt(o.ID, 10)}
	if p.Label != nil {
		parts = append(parts, "label:"+p.Label.Name)
	}
	parts = append(parts, "at:"+o.UpdatedAt)
	if p.Action == "edited" {
		parts = append(parts, "changes:"+short(p.Changes))
	}
	return parts, o.UpdatedAt
}

// identity computes the event identity and the event's time.
func identity(event string, p *payload, body []byte) (string, time.Time) {
	var parts []string
	var at string
	edited := p.Action == "edited"
	switch event {
	case "issue_comment", "pull_request_review_comment":
		if p.Comment == nil || p.Comment.ID == 0 {
			break
		}
		if p.Action == "created" || edited {
			at = p.Comment.UpdatedAt // a deletion's time is not in the payload
		}
		parts = []string{"comment:" + strconv.FormatInt(p.Comment.ID, 10)}
		if edited {
			parts = append(parts, "at:"+at, "changes:"+short(p.Changes))
		}
	case "issues":
		parts, at = itemIdentity("issue", p.Issue, p)
	case "pull_request":
		parts, at = itemIdentity("pr", p.PullRequest, p)
		if parts != nil && p.After != "" {
			// Two pushes within one second share updated_at; the head
			// commit a synchronize brings tells them apart.
			parts = append(parts, "after:"+p.After)
		}
	case "pull_request_review":
		if p.Review == nil || p.Review.ID == 0 {
			break
		}
		if p.Action == "submitted" {
			at = p.Review.SubmittedAt // an edit's or dismissal's time is not in the payload
		}
		parts = []string{"review:" + strconv.FormatInt(p.Review.ID, 10)}
		if edited {
			parts = append(parts, "changes:"+short(p.Changes))
		}
	}
	var when time.Time
	if at != "" {
		if t, err := time.Parse(time.RFC3339, at); err == nil {
			when = t.UTC()
		}
	}
	if parts == nil {
		return bodyIdentity(event, body), when
	}
	id := event + "/" + p.Action + "/" + strings.Join(parts, "/")
	if len(id) > MaxIdentity {
		sum := sha256.Sum256([]byte(id))
		id = event + "/id-sha256:" + hex.EncodeToString(sum[:])
	}
	return id, when
}

// bodyIdentity identifies an event by the hash of its whole body: only a
// byte-identical body, a replay, matches.
func bodyIdentity(event string, body []byte) string {
	sum := sha256.Sum256(body)
	return event + "/sha256:" + hex.EncodeToString(sum[:])
}

// short is a short hash of raw JSON (an edit's changes), "-" for none.
func short(raw []byte) string {
	if len(raw) == 0 || string(raw) == "null" {
		return "-"
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:8])
}
