// Package http checks URLs from tests.
package http

import (
	"net/http"
	"testing"
)

// GetStatus returns the status code of url.
func GetStatus(t testing.TB, url string) int {
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode
}
