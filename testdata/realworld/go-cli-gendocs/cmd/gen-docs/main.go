// Command gen-docs writes the manual pages; it is run at release time.
package main

import (
	"flag"
	"log"

	"github.com/example/hubcli/v2/pkg/cmd/root"
	"github.com/spf13/cobra/doc"
)

func main() {
	dir := flag.String("man-page", "share/man", "where to write")
	flag.Parse()
	if err := doc.GenManTree(root.New(), nil, *dir); err != nil {
		log.Fatal(err)
	}
}
