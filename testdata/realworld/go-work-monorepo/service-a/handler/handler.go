// Package handler holds service a's handlers.
package handler

import "net/http"

// Hello answers hello.
func Hello(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("hello")) }
