// Package web serves the UI, the API and the health endpoints.
package web

import "net/http"

// Serve listens on addr.
func Serve(addr string) error {
	mux := http.NewServeMux()
	mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("Healthy.\n")) })
	mux.HandleFunc("/-/ready", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("Ready.\n")) })
	return http.ListenAndServe(addr, mux)
}
