// Command http serves service a.
package main

import (
	"log"
	"net/http"

	"github.com/example/monorepo/libs/logger"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("service a")) })
	logger.Info("service a running on :8081")
	log.Fatal(http.ListenAndServe(":8081", nil))
}
