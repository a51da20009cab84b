package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRoutes(t *testing.T) {
	srv := httptest.NewServer(newMux())
	defer srv.Close()
	for _, tc := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/healthz", http.StatusOK, "ok\n"},
		{"POST", "/healthz", http.StatusMethodNotAllowed, ""},
		{"GET", "/missing", http.StatusNotFound, ""},
	} {
		req, err := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 64)
		n, _ := resp.Body.Read(buf)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, resp.StatusCode, tc.status)
		}
		if tc.body != "" && string(buf[:n]) != tc.body {
			t.Errorf("%s %s: body %q, want %q", tc.method, tc.path, buf[:n], tc.body)
		}
	}
}

func TestHelloUsesName(t *testing.T) {
	rec := httptest.NewRecorder()
	newMux().ServeHTTP(rec, httptest.NewRequest("GET", "/?name=ops", nil))
	var got map[string]string
	if err := json.NewDecoder(rec.Body).Decode(&got); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if got["message"] != "hello, ops" {
		t.Errorf("message = %q, want %q", got["message"], "hello, ops")
	}
}
