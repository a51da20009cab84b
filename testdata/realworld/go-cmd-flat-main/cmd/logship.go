// Command logship reads log files and ships them to the configured outputs.
package main

import (
	"flag"
	"log"

	"github.com/example/logship/pipeline"
)

func main() {
	config := flag.String("config", "config.yaml", "pipeline configuration")
	flag.Parse()
	if err := pipeline.Run(*config); err != nil {
		log.Fatal(err)
	}
}
