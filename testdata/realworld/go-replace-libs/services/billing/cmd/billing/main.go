// Command billing serves the billing API.
package main

import (
	"context"
	"log"
	"net/http"
	"os"

	"github.com/example/shop/services/billing/internal/store"
)

func main() {
	st, err := store.Open(context.Background(), os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	port := os.Getenv("PORT")
	if port == "" {
		port = "8090"
	}
	log.Fatal(http.ListenAndServe(":"+port, mux))
}
