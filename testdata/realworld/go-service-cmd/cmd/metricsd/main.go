// Command metricsd is the metrics server: it scrapes targets and serves
// queries and its web UI.
package main

import (
	"log"
	"os"

	"github.com/alecthomas/kingpin/v2"
	"github.com/example/metricsd/web"
)

func main() {
	app := kingpin.New("metricsd", "The metrics server")
	listen := app.Flag("web.listen-address", "Address to listen on for UI, API, and telemetry.").Default("0.0.0.0:9090").String()
	kingpin.MustParse(app.Parse(os.Args[1:]))
	log.Fatal(web.Serve(*listen))
}
