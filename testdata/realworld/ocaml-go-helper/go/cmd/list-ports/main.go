// Command list-ports prints the ports the bridge forwards and exits; it is
// shipped with the OCaml bridge for people debugging a VM.
package main

import (
	"flag"
	"fmt"
	"log"

	"github.com/example/netbridge/go/pkg/forward"
)

func main() {
	asJSON := flag.Bool("json", false, "print JSON")
	flag.Parse()
	ports, err := forward.List()
	if err != nil {
		log.Fatal(err)
	}
	if *asJSON {
		fmt.Printf("%q\n", ports)
		return
	}
	for _, p := range ports {
		fmt.Println(p)
	}
}
