// Command write-adapter is an example remote-write receiver for the docs.
package main

import (
	"log"
	"net/http"
)

func main() {
	http.HandleFunc("/receive", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	log.Fatal(http.ListenAndServe(":1234", nil))
}
