// Command hub is the command-line client people install.
package main

import (
	"os"

	"github.com/example/hubcli/v2/pkg/cmd/root"
)

func main() {
	if err := root.New().Execute(); err != nil {
		os.Exit(1)
	}
}
