// Command http serves service b.
package main

import (
	"log"
	"net/http"

	"github.com/example/monorepo/libs/logger"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("service b")) })
	logger.Info("service b running on :8082")
	log.Fatal(http.ListenAndServe(":8082", nil))
}
