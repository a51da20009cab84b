package githubtest

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// HookDelivery is one delivery of the App's webhook as GitHub lists it
// (https://docs.github.com/rest/apps/webhooks#list-deliveries-for-an-app-webhook).
type HookDelivery struct {
	ID          int64
	GUID        string
	Event       string
	Action      string
	StatusCode  int // 0: GitHub could not connect
	Redelivery  bool
	DeliveredAt time.Time
}

// hookState is the App webhook's delivery log.
type hookState struct {
	deliveries  []HookDelivery // oldest first
	redelivered []int64
}

// AddHookDelivery records a delivery attempt in the App's webhook log and
// returns its id. A zero DeliveredAt is now.
func (s *Server) AddHookDelivery(d HookDelivery) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	d.ID = s.nextID
	if d.DeliveredAt.IsZero() {
		d.DeliveredAt = s.now()
	}
	s.hooks.deliveries = append(s.hooks.deliveries, d)
	return d.ID
}

// Redelivered returns the delivery ids a client asked to redeliver, in
// order.
func (s *Server) Redelivered() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int64(nil), s.hooks.redelivered...)
}

// hookRoutes registers the App webhook's delivery endpoints (App JWT).
func (s *Server) hookRoutes(mux *router) {
	s.handle(mux, "GET /app/hook/deliveries", authApp, s.listHookDeliveries)
	s.handle(mux, "POST /app/hook/deliveries/{delivery_id}/attempts", authApp, s.redeliverHook)
}

// listHookDeliveries answers newest first, per_page at a time (at most
// 100), with a Link rel="next" carrying the cursor as GitHub does.
func (s *Server) listHookDeliveries(r *http.Request) (int, any) {
	q := r.URL.Query()
	per := 30
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			s.t.Errorf("githubtest: GET /app/hook/deliveries: per_page %q is not 1..100", v)
			return apiError(http.StatusUnprocessableEntity, "per_page must be between 1 and 100")
		}
		per = n
	}
	start := 0
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.t.Errorf("githubtest: GET /app/hook/deliveries: cursor %q was not given by this server", v)
			return apiError(http.StatusUnprocessableEntity, "invalid cursor")
		}
		start = n
	}
	all := s.hooks.deliveries
	var page []map[string]any
	i := start
	for ; i < len(all) && len(page) < per; i++ {
		d := all[len(all)-1-i]
		status := "OK"
		if d.StatusCode < 200 || d.StatusCode > 299 {
			status = "Invalid HTTP Response: " + strconv.Itoa(d.StatusCode)
		}
		page = append(page, map[string]any{
			"id": d.ID, "guid": d.GUID, "delivered_at": d.DeliveredAt.UTC().Format(time.RFC3339),
			"redelivery": d.Redelivery, "duration": 0.1, "status": status, "status_code": d.StatusCode,
			"event": d.Event, "action": d.Action, "installation_id": 1, "repository_id": 1,
		})
	}
	if page == nil {
		page = []map[string]any{}
	}
	if i < len(all) {
		next := fmt.Sprintf(`<%s/app/hook/deliveries?per_page=%d&cursor=%d>; rel="next"`, s.URL, per, i)
		return http.StatusOK, headed{headers: map[string]string{"Link": next}, body: page}
	}
	return http.StatusOK, page
}

// redeliverHook records the ask and answers 202, as GitHub does; the new
// attempt itself is the test's to make (it knows where serve listens).
func (s *Server) redeliverHook(r *http.Request) (int, any) {
	id, err := strconv.ParseInt(r.PathValue("delivery_id"), 10, 64)
	if err != nil {
		return apiError(http.StatusNotFound, "Not Found")
	}
	for _, d := range s.hooks.deliveries {
		if d.ID == id {
			s.hooks.redelivered = append(s.hooks.redelivered, id)
			return http.StatusAccepted, map[string]any{}
		}
	}
	return apiError(http.StatusNotFound, "Not Found")
}
